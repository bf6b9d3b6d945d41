using Llm.Stack.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C asks the running command to stop cleanly (the index stays consistent); a second one kills.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

var app = new CliApp(Console.Out, Console.Error, Environment.CurrentDirectory);
return await app.RunAsync(args, cancellation.Token);
