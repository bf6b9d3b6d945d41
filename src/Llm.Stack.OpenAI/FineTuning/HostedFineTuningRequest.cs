namespace Llm.Stack;

/// <summary>
/// What <see cref="OpenAIFineTuningClient.SubmitAsync"/> uploads and starts: a base model and OpenAI chat fine-tuning JSONL
/// (one <c>{"messages": [...]}</c> per line), such as the training and validation sets that
/// <c>FineTuningDatasetBuilder</c> (Llm.Stack.Evaluation) validated and <c>FineTuningDataset.WriteJsonlAsync</c> wrote.
/// </summary>
/// <remarks>Set the properties before submitting; an instance is not meant to be changed from several threads.</remarks>
public sealed class HostedFineTuningRequest
{
    /// <summary>Initializes a new instance of the <see cref="HostedFineTuningRequest"/> class.</summary>
    /// <param name="baseModel">The model to fine-tune, such as <c>gpt-4o-mini-2024-07-18</c>.</param>
    /// <param name="trainingData">The training set as chat fine-tuning JSONL (UTF-8).</param>
    /// <exception cref="ArgumentException"><paramref name="baseModel"/> is empty, or <paramref name="trainingData"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="trainingData"/> is <see langword="null"/>.</exception>
    public HostedFineTuningRequest(string baseModel, BinaryData trainingData)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModel);
        ArgumentNullException.ThrowIfNull(trainingData);
        if (trainingData.ToMemory().IsEmpty)
        {
            throw new ArgumentException("The training data is empty: give at least one JSONL line of {\"messages\": [...]}.", nameof(trainingData));
        }

        BaseModel = baseModel;
        TrainingData = trainingData;
    }

    /// <summary>Gets the model to fine-tune.</summary>
    public string BaseModel { get; }

    /// <summary>Gets the training set, chat fine-tuning JSONL.</summary>
    public BinaryData TrainingData { get; }

    /// <summary>Gets or sets the validation set, chat fine-tuning JSONL; the server reports the validation loss on it.</summary>
    /// <value>The default value is <see langword="null"/>: no validation set.</value>
    /// <exception cref="ArgumentException">The value is empty.</exception>
    public BinaryData? ValidationData
    {
        get;
        set
        {
            if (value is not null && value.ToMemory().IsEmpty)
            {
                throw new ArgumentException("The validation data is empty; leave it null for no validation set.", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>Gets or sets the text the server puts into the tuned model's name (at most 64 characters).</summary>
    /// <value>The default value is <see langword="null"/>: no suffix.</value>
    /// <exception cref="ArgumentException">The value is empty or longer than 64 characters.</exception>
    public string? Suffix
    {
        get;
        set
        {
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value.Length > 64))
            {
                throw new ArgumentException($"The suffix must be 1 to 64 characters; '{value}' has {value.Length}.", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>Gets or sets the seed of the training run; equal seeds and data give equal jobs on servers that honour it.</summary>
    /// <value>The default value is <see langword="null"/>: the server chooses.</value>
    public int? Seed { get; set; }

    /// <summary>Gets or sets the number of epochs (passes over the training set).</summary>
    /// <value>The default value is <see langword="null"/>: the server chooses (<c>auto</c>).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not between 1 and 50.</exception>
    public int? EpochCount
    {
        get;
        set
        {
            if (value is { } epochs)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1, nameof(value));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(epochs, 50, nameof(value));
            }

            field = value;
        }
    }

    /// <summary>Gets or sets the file name the training set is uploaded under.</summary>
    /// <value>The default value is <c>train.jsonl</c>.</value>
    /// <exception cref="ArgumentException">The value is empty.</exception>
    public string TrainingFileName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "train.jsonl";

    /// <summary>Gets or sets the file name the validation set is uploaded under.</summary>
    /// <value>The default value is <c>validation.jsonl</c>.</value>
    /// <exception cref="ArgumentException">The value is empty.</exception>
    public string ValidationFileName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "validation.jsonl";
}
