using Microsoft.Extensions.Logging;

namespace Llm.Stack.Cli;

/// <summary>Writes log lines (<c>info: message</c>) to the CLI's error writer, so a served request shows its status and duration.</summary>
/// <remarks>Thread-safe: each line is written whole under a lock.</remarks>
internal sealed class TextWriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(writer);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };

            // The exception's message only: a served error's details stay in one line, never a stack trace.
            string line = $"{level}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message.ReplaceLineEndings(" "))}";
            lock (writer)
            {
                writer.WriteLine(line);
                writer.Flush();
            }
        }
    }
}
