using Concord.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Concord.Silo.Hosting;

/// <summary>
/// <c>--otlp-endpoint</c>: the region's traces (the <c>Concord</c> source and Orleans' grain calls, so a client's trace
/// continues into the region) and metrics (the <c>Concord</c> meter and Orleans') go to an OTLP collector, as service
/// <c>concord</c> with the region as its instance.
/// </summary>
internal static class RegionTelemetry
{
    /// <summary>How often metrics are pushed to the collector.</summary>
    public static readonly TimeSpan MetricsInterval = TimeSpan.FromSeconds(10);

    public static void AddOtlpExport(IServiceCollection services, RegionHostOptions options)
    {
        var endpoint = options.OtlpEndpoint ?? throw new ArgumentException("--otlp-endpoint is not set.", nameof(options));
        var http = options.OtlpProtocol == OtlpProtocols.HttpProtobuf;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("concord", serviceInstanceId: options.Region))
            .WithTracing(tracing => tracing
                .AddSource(ConcordTracing.SourceName, ConcordTracing.OrleansApplicationSourceName)
                .AddOtlpExporter(otlp => Configure(otlp, endpoint, http, "v1/traces")))
            .WithMetrics(metrics => metrics
                .AddMeter(ConcordMetrics.MeterName, "Microsoft.Orleans")
                .AddOtlpExporter((otlp, reader) =>
                {
                    Configure(otlp, endpoint, http, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)MetricsInterval.TotalMilliseconds;
                }));
    }

    // Over HTTP the exporter posts to exactly the endpoint it is given, so each signal gets its own path.
    private static void Configure(OtlpExporterOptions otlp, Uri endpoint, bool http, string signalPath)
    {
        otlp.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        otlp.Endpoint = http ? new Uri(endpoint.ToString().TrimEnd('/') + "/" + signalPath) : endpoint;
    }
}
