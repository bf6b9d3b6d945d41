using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>A logger factory that keeps every formatted message at <paramref name="minimumLevel"/> or above in <see cref="Messages"/>.</summary>
public sealed class ListLoggerFactory(LogLevel minimumLevel = LogLevel.Trace) : ILoggerFactory
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(Messages, minimumLevel);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ConcurrentQueue<string> messages, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                messages.Enqueue(formatter(state, exception));
            }
        }
    }
}
