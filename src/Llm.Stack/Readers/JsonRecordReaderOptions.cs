namespace Llm.Stack;

/// <summary>Options of a <see cref="JsonRecordReader"/>.</summary>
/// <remarks>Configure before the reader is created; the reader copies them and later changes have no effect on it.</remarks>
public sealed class JsonRecordReaderOptions : RecordReaderOptions
{
}
