using System.Text.Json;
using System.Text.Json.Nodes;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// The payload kinds of one entity type: each C# type under a stable kind name and its current schema version,
/// with the upcast steps that turn a payload written by an older version into the current one. Payloads are
/// logged as canonical JSON of their System.Text.Json contract, so no type writes bytes by hand. A type may also
/// declare Concord's built-in kinds (<see cref="AddEncoded{T}"/>), which keep their own explicit encoding.
/// </summary>
public sealed class PayloadTypes
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General)
    {
        WriteIndented = false,
        Converters = { new OrdinalSortedDictionaryConverter() },
    };

    private readonly Dictionary<string, Registration> _byKind = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, Registration> _byType = [];

    /// <summary>Every registered kind name.</summary>
    public IEnumerable<string> Kinds => _byKind.Keys;

    /// <summary>Registers <typeparamref name="T"/> as <paramref name="kind"/>, written at <paramref name="version"/> from now on.</summary>
    /// <exception cref="ConcordConfigurationException">The kind name is not valid or reserved, or the kind or the type is registered twice.</exception>
    public PayloadTypes Add<T>(string kind, int version = 1)
        where T : class
    {
        if (!PayloadKinds.IsValidRegisteredKind(kind))
        {
            throw new ConcordConfigurationException($"Payload kind '{kind}' of {typeof(T).Name}: a kind is 3-64 characters of a-z 0-9 . - with at least one dot, and does not start with ledger., handle. or concord.");
        }

        if (version < 1)
        {
            throw new ConcordConfigurationException($"Payload kind '{kind}': schema versions start at 1, not {version}.");
        }

        if (_byKind.ContainsKey(kind) || _byType.ContainsKey(typeof(T)))
        {
            throw new ConcordConfigurationException($"Payload kind '{kind}' ({typeof(T).Name}) is registered twice.");
        }

        return Register(new Registration(kind, typeof(T), version, Encoded: false));
    }

    /// <summary>
    /// Declares a built-in kind (one of <see cref="PayloadKinds.Known"/>, such as the ledger's and the handles'
    /// payloads): it is logged in its own explicit canonical encoding, fixed by test vectors, and is never upcast.
    /// Your own payloads use <see cref="Add{T}"/>, which needs no hand-written bytes.
    /// </summary>
    /// <exception cref="ConcordConfigurationException"><paramref name="kind"/> is not a built-in kind, or is registered twice.</exception>
    public PayloadTypes AddEncoded<T>(string kind)
        where T : EventPayload
    {
        if (!PayloadKinds.IsBuiltIn(kind))
        {
            throw new ConcordConfigurationException($"Payload kind '{kind}' of {typeof(T).Name} is not a built-in kind with its own encoding ({string.Join(", ", PayloadKinds.Known)}); register your own payloads with Add<T>.");
        }

        if (_byKind.ContainsKey(kind) || _byType.ContainsKey(typeof(T)))
        {
            throw new ConcordConfigurationException($"Payload kind '{kind}' ({typeof(T).Name}) is registered twice.");
        }

        return Register(new Registration(kind, typeof(T), 1, Encoded: true));
    }

    /// <summary>Declares <see cref="Interfaces.Entities.Crdts.EscrowShareGiven"/>, the hand-over every escrowed entity type's fold applies (see <see cref="IEscrowedEntityType{TState}"/>).</summary>
    public PayloadTypes AddEscrowHandOver() => AddEncoded<Interfaces.Entities.Crdts.EscrowShareGiven>(Interfaces.Entities.Crdts.EscrowShareGiven.KindName);

    private PayloadTypes Register(Registration registration)
    {
        _byKind[registration.Kind] = registration;
        _byType[registration.Type] = registration;
        return this;
    }

    /// <summary>
    /// Registers the step that rewrites a payload of <paramref name="kind"/> written at <paramref name="fromVersion"/>
    /// into version <c>fromVersion + 1</c>. Logged bytes never change; the step runs each time an old event is read.
    /// </summary>
    public PayloadTypes Upcast(string kind, int fromVersion, Func<JsonObject, JsonObject> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!_byKind.TryGetValue(kind, out var registration))
        {
            throw new ConcordConfigurationException($"Upcast of payload kind '{kind}': register the kind first.");
        }

        if (registration.Encoded)
        {
            throw new ConcordConfigurationException($"Upcast of payload kind '{kind}': a built-in kind keeps one encoding and is never upcast.");
        }

        if (fromVersion < 1 || fromVersion >= registration.Version || !registration.Steps.TryAdd(fromVersion, step))
        {
            throw new ConcordConfigurationException($"Upcast of payload kind '{kind}' from version {fromVersion}: it must be below the current version {registration.Version} and given once.");
        }

        return this;
    }

    public bool IsKnown(string kind) => _byKind.ContainsKey(kind);

    /// <summary>Why this region cannot read <paramref name="payload"/>, or null when it can: an unregistered kind, or a newer schema version.</summary>
    internal string? WhyUnreadable(EventPayload payload) => payload switch
    {
        JsonEventPayload json when !_byKind.ContainsKey(json.KindName) => "no entity type registered here declares it.",
        JsonEventPayload json when json.SchemaVersion > _byKind[json.KindName].Version =>
            $"it was written at schema version {json.SchemaVersion}, newer than this region's {_byKind[json.KindName].Version}.",
        JsonEventPayload => null,
        _ when _byKind.TryGetValue(payload.Kind, out var registration) && registration.Encoded && registration.Type == payload.GetType() => null,
        _ => $"built-in kinds are read only by entity types that declare them with AddEncoded, and '{payload.Kind}' is not declared here.",
    };

    /// <summary>Checks that every registered kind can be read from each of its older versions.</summary>
    internal IEnumerable<string> Problems() =>
        _byKind.Values.SelectMany(r => Enumerable.Range(1, r.Version - 1)
            .Where(v => !r.Steps.ContainsKey(v))
            .Select(v => $"payload kind '{r.Kind}' is at version {r.Version} but has no upcast from version {v}"));

    /// <summary>The logged form of a payload the entity type decided: itself for a built-in kind, canonical JSON otherwise.</summary>
    internal EventPayload ToLogged(object payload, string entityId) =>
        payload is EventPayload builtIn && _byType.TryGetValue(payload.GetType(), out var registration) && registration.Encoded
            ? builtIn
            : Encode(payload, entityId);

    /// <summary>The C# value the fold receives for a logged payload: a built-in kind as it is, a JSON kind decoded and upcast.</summary>
    internal object ValueOf(EventPayload payload, string entityId) => payload switch
    {
        JsonEventPayload json => Decode(json, entityId),
        _ when WhyUnreadable(payload) is { } why => throw new UnknownPayloadKindException(payload.Kind, entityId, why),
        _ => payload,
    };

    /// <summary>The canonical JSON form of a payload registered with <see cref="Add{T}"/>.</summary>
    internal JsonEventPayload Encode(object payload, string entityId)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!_byType.TryGetValue(payload.GetType(), out var registration) || registration.Encoded)
        {
            throw new UnknownPayloadKindException(payload.GetType().Name, entityId, $"the type {payload.GetType().FullName} was decided but never registered with PayloadTypes.Add.");
        }

        var element = JsonSerializer.SerializeToElement(payload, registration.Type, Json);
        return new JsonEventPayload(registration.Kind, registration.Version, CanonicalJson.Write(element));
    }

    /// <summary>The current-version value of a logged payload, upcast as needed.</summary>
    internal object Decode(JsonEventPayload payload, string entityId)
    {
        if (!_byKind.TryGetValue(payload.KindName, out var registration))
        {
            throw new UnknownPayloadKindException(payload.KindName, entityId, "no entity type registered here declares it.");
        }

        if (payload.SchemaVersion > registration.Version)
        {
            throw new UnknownPayloadKindException(payload.KindName, entityId, $"it was written at schema version {payload.SchemaVersion}, newer than this region's {registration.Version}.");
        }

        if (payload.SchemaVersion == registration.Version)
        {
            return JsonSerializer.Deserialize(payload.CanonicalJson, registration.Type, Json)
                ?? throw new CanonicalFormatException($"Payload kind '{payload.KindName}' of '{entityId}' is JSON null.");
        }

        var node = JsonNode.Parse(payload.CanonicalJson) as JsonObject
            ?? throw new CanonicalFormatException($"Payload kind '{payload.KindName}' of '{entityId}' is not a JSON object.");
        for (var version = payload.SchemaVersion; version < registration.Version; version++)
        {
            node = registration.Steps[version](node);
        }

        return node.Deserialize(registration.Type, Json)
            ?? throw new CanonicalFormatException($"Payload kind '{payload.KindName}' of '{entityId}' upcasts to JSON null.");
    }

    /// <summary>The canonical JSON of any value (an entity's state, for comparing replicas).</summary>
    internal static string CanonicalOf(object value) =>
        CanonicalJson.Write(JsonSerializer.SerializeToElement(value, value.GetType(), Json));

    /// <summary>Reads a state back from its canonical JSON (a snapshot).</summary>
    internal static TState StateOf<TState>(string json) =>
        JsonSerializer.Deserialize<TState>(json, Json) ?? throw new JsonException("The snapshot's state is JSON null.");

    private sealed record Registration(string Kind, Type Type, int Version, bool Encoded)
    {
        public Dictionary<int, Func<JsonObject, JsonObject>> Steps { get; } = [];
    }
}
