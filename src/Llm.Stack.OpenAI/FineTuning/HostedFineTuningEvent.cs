namespace Llm.Stack;

/// <summary>One event of a hosted fine-tuning job: a message such as "Fine-tuning job started" or a training metric.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class HostedFineTuningEvent
{
    /// <summary>Initializes a new instance of the <see cref="HostedFineTuningEvent"/> class.</summary>
    /// <param name="id">The event's id.</param>
    /// <param name="createdAt">When the server recorded it.</param>
    /// <param name="message">The message.</param>
    /// <param name="kind">The kind (<c>message</c> or <c>metrics</c>), or <see langword="null"/> when the server gave none.</param>
    /// <param name="data">The event's data as JSON text (for a metrics event, the step and its losses), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public HostedFineTuningEvent(string id, DateTimeOffset createdAt, string message, string? kind = null, string? data = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(message);
        Id = id;
        CreatedAt = createdAt;
        Message = message;
        Kind = kind;
        Data = data;
    }

    /// <summary>Gets the event's id.</summary>
    public string Id { get; }

    /// <summary>Gets when the server recorded the event.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Gets the message.</summary>
    public string Message { get; }

    /// <summary>Gets the kind: <c>message</c> or <c>metrics</c>; <see langword="null"/> when the server gave none.</summary>
    public string? Kind { get; }

    /// <summary>Gets the event's data as JSON text (for a metrics event: the step, the training and validation loss), or <see langword="null"/>.</summary>
    public string? Data { get; }

    /// <inheritdoc />
    public override string ToString() => $"{CreatedAt:u} {Message}";
}
