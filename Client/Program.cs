using Concord.Client.Cli;

return await ConcordCli.RunAsync(args, Console.Out, Console.Error);
