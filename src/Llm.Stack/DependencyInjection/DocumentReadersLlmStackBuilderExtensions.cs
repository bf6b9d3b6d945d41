using Llm.Stack;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the built-in document readers and the file-system document source.</summary>
public static class DocumentReadersLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the built-in readers (<see cref="PlainTextReader"/>, <see cref="MarkdownReader"/>, <see cref="HtmlReader"/>,
    /// <see cref="JsonRecordReader"/>, <see cref="CsvRecordReader"/>) as <see cref="IDocumentReader"/> singletons, and a
    /// <see cref="DocumentReaderRegistry"/> built from every registered <see cref="IDocumentReader"/>.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the built-in readers; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Calling it twice registers nothing twice. A reader registered later as <see cref="IDocumentReader"/> (for
    /// example the PDF and DOCX readers of Llm.Stack.Documents, or your own) is picked by the registry over a
    /// built-in one for the same media type.
    /// </remarks>
    public static LlmStackBuilder AddDocumentReaders(this LlmStackBuilder builder, Action<DocumentReaderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<DocumentReaderOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, PlainTextReader>(
            sp => new PlainTextReader(sp.GetRequiredService<IOptions<DocumentReaderOptions>>().Value.TextEncoding)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, MarkdownReader>(
            sp => new MarkdownReader(sp.GetRequiredService<IOptions<DocumentReaderOptions>>().Value.TextEncoding)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, HtmlReader>(
            sp => new HtmlReader(sp.GetRequiredService<IOptions<DocumentReaderOptions>>().Value.TextEncoding)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, JsonRecordReader>(
            sp => new JsonRecordReader(sp.GetRequiredService<IOptions<DocumentReaderOptions>>().Value.Json)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentReader, CsvRecordReader>(sp =>
        {
            DocumentReaderOptions options = sp.GetRequiredService<IOptions<DocumentReaderOptions>>().Value;
            return new CsvRecordReader(options.Csv, options.TextEncoding);
        }));
        services.TryAddSingleton(sp => new DocumentReaderRegistry(sp.GetServices<IDocumentReader>()));
        return builder;
    }

    /// <summary>
    /// Registers a <see cref="FileSystemDocumentSource"/> singleton that reads with the registered
    /// <see cref="DocumentReaderRegistry"/>, and the built-in readers if they are not registered yet.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Sets the roots, globs and media types.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddFileSystemDocumentSource(this LlmStackBuilder builder, Action<FileSystemDocumentSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddDocumentReaders();
        builder.Services.Configure(configure);
        builder.Services.TryAddSingleton(sp => new FileSystemDocumentSource(
            sp.GetRequiredService<IOptions<FileSystemDocumentSourceOptions>>().Value,
            sp.GetRequiredService<DocumentReaderRegistry>()));
        return builder;
    }
}
