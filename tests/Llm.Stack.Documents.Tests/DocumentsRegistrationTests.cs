using Llm.Stack.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Documents.Tests;

public class DocumentsRegistrationTests
{
    [Fact]
    public void Readers_are_registered_once_as_document_readers()
    {
        var services = new ServiceCollection();
        var builder = new LlmStackBuilder(services);
        builder.AddPdfReader().AddOfficeDocumentReaders().AddDocumentFormatReaders();
        using ServiceProvider provider = services.BuildServiceProvider();

        IDocumentReader[] readers = [.. provider.GetServices<IDocumentReader>()];

        Assert.Equal(2, readers.Length);
        Assert.Contains(readers, r => r is PdfReader && r.MediaTypes.Contains("application/pdf"));
        Assert.Contains(readers, r => r is DocxReader && r.MediaTypes.Contains(DocxReader.MediaType));
    }
}
