using System.Runtime.InteropServices;
using Google.FlatBuffers;

namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>
/// Writes ONNX Runtime's LoRA adapter file (<c>.onnx_adapter</c>): the FlatBuffers root table <c>Adapter</c> of
/// onnxruntime's <c>lora/adapter_format/adapter_schema.fbs</c>, file identifier <c>TORT</c>, format version 1.
/// </summary>
/// <remarks>
/// Schema: <c>Adapter { format_version:int; adapter_version:int; model_version:int; parameters:[Parameter]; }</c> and
/// <c>Parameter { name:string; dims:[int64]; data_type:TensorDataType(int32); raw_data:[uint8] (force_align: 8); }</c>;
/// field slots in declaration order. Only float32 parameters (<c>TensorDataType.FLOAT</c> = 1) are written.
/// </remarks>
public static class OnnxAdapterFile
{
    /// <summary>The adapter format version onnxruntime reads.</summary>
    public const int FormatVersion = 1;

    private const string FileIdentifier = "TORT";
    private const int FloatDataType = 1;

    /// <summary>Serialises the parameters as an adapter file's bytes.</summary>
    /// <returns>The bytes.</returns>
    public static byte[] ToBytes(IReadOnlyList<LoraParameter> parameters, int adapterVersion = 1, int modelVersion = 1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var builder = new FlatBufferBuilder(1024);
        var offsets = new int[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            LoraParameter p = parameters[i];
            long count = p.Dims.Aggregate(1L, (a, d) => a * d);
            if (count != p.Data.Length)
            {
                throw new ArgumentException($"Parameter '{p.Name}' has shape [{string.Join(", ", p.Dims)}] but {p.Data.Length} values.", nameof(parameters));
            }

            StringOffset name = builder.CreateString(p.Name);

            builder.StartVector(sizeof(long), p.Dims.Length, sizeof(long));
            for (int d = p.Dims.Length - 1; d >= 0; d--)
            {
                builder.AddLong(p.Dims[d]);
            }

            VectorOffset dims = builder.EndVector();

            byte[] raw = MemoryMarshal.AsBytes(p.Data.AsSpan()).ToArray();
            builder.StartVector(1, raw.Length, 8);
            builder.Add(raw);
            VectorOffset rawData = builder.EndVector();

            builder.StartTable(4);
            builder.AddOffset(3, rawData.Value, 0);
            builder.AddInt(2, FloatDataType, 0);
            builder.AddOffset(1, dims.Value, 0);
            builder.AddOffset(0, name.Value, 0);
            offsets[i] = builder.EndTable();
        }

        builder.StartVector(sizeof(int), offsets.Length, sizeof(int));
        for (int i = offsets.Length - 1; i >= 0; i--)
        {
            builder.AddOffset(offsets[i]);
        }

        VectorOffset parameterVector = builder.EndVector();

        builder.StartTable(4);
        builder.AddOffset(3, parameterVector.Value, 0);
        builder.AddInt(2, modelVersion, 0);
        builder.AddInt(1, adapterVersion, 0);
        builder.AddInt(0, FormatVersion, 0);
        int adapter = builder.EndTable();
        builder.Finish(adapter, FileIdentifier);
        return builder.SizedByteArray();
    }

    /// <summary>Writes the parameters to an adapter file.</summary>
    /// <returns>The path.</returns>
    public static string Write(string path, IReadOnlyList<LoraParameter> parameters, int adapterVersion = 1, int modelVersion = 1)
    {
        File.WriteAllBytes(path, ToBytes(parameters, adapterVersion, modelVersion));
        return path;
    }
}
