using Llm.Stack;
using Llm.Stack.Documents;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PDF and Office document readers of Llm.Stack.Documents.</summary>
public static class DocumentsLlmStackBuilderExtensions
{
    /// <summary>Registers <see cref="PdfReader"/> as an <see cref="IDocumentReader"/> singleton.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Calling it twice registers the reader once. The core's document reader registry picks it up for <c>application/pdf</c>.</remarks>
    public static LlmStackBuilder AddPdfReader(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, PdfReader>());
        return builder;
    }

    /// <summary>Registers <see cref="DocxReader"/> (Word) as an <see cref="IDocumentReader"/> singleton.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Calling it twice registers the reader once.</remarks>
    public static LlmStackBuilder AddOfficeDocumentReaders(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, DocxReader>());
        return builder;
    }

    /// <summary>Registers every reader of this package: <see cref="PdfReader"/> and <see cref="DocxReader"/>.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddDocumentFormatReaders(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPdfReader().AddOfficeDocumentReaders();
    }
}
