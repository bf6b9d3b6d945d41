using System.Text;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

public class JsonRecordReaderTests
{
    [Fact]
    public async Task Array_of_records_with_chosen_text_metadata_and_id_fields()
    {
        var options = new JsonRecordReaderOptions { IdField = "sku" };
        options.TextFields.Add("title");
        options.TextFields.Add("body.text");
        options.MetadataFields.Add("price");
        options.MetadataFields.Add("tags");
        options.MetadataFields.Add("inStock");
        const string json = """
            [
              {"sku": "A-1", "title": "Kettle", "body": {"text": "Boils \"fast\".\nTwo lines."}, "price": 25, "tags": ["home"], "inStock": true},
              {"sku": 7, "title": "Mug", "price": 3.5}
            ]
            """;

        List<Document> documents = await Read(new JsonRecordReader(options), json, "catalog.json", DocumentMediaTypes.Json);

        Assert.Equal(["catalog.json/A-1", "catalog.json/7"], documents.Select(d => d.Id));
        Assert.Equal("Kettle\n\nBoils \"fast\".\nTwo lines.", documents[0].Text);
        Assert.Equal("Mug", documents[1].Text);
        Assert.Equal(25L, documents[0].Metadata["price"]);
        Assert.Equal("[\"home\"]", documents[0].Metadata["tags"]);
        Assert.Equal(true, documents[0].Metadata["inStock"]);
        Assert.Equal(3.5, documents[1].Metadata["price"]);
        Assert.False(documents[1].Metadata.ContainsKey("tags"));
        Assert.Equal(1L, documents[1].Metadata[RecordReaderOptions.RecordIndexMetadataKey]);
        Assert.Equal("tenant-1", documents[1].Metadata["tenant"]);
    }

    [Fact]
    public async Task Json_lines_default_to_all_fields_and_index_ids()
    {
        const string jsonl = "{\"q\":\"What?\",\"a\":\"That.\",\"n\":1}\n\n{\"q\":\"Why?\",\"a\":null}\r\n\"just a string\"\n";

        List<Document> documents = await Read(new JsonRecordReader(), jsonl, "faq.jsonl", DocumentMediaTypes.JsonLines);

        Assert.Equal(["faq.jsonl/0", "faq.jsonl/1", "faq.jsonl/2"], documents.Select(d => d.Id));
        Assert.Equal("q: What?\na: That.\nn: 1", documents[0].Text);
        Assert.Equal("q: Why?", documents[1].Text);
        Assert.Equal("just a string", documents[2].Text);
        Assert.Equal("application/jsonl", documents[0].MediaType);
    }

    [Fact]
    public async Task A_single_object_is_one_record()
    {
        Document document = Assert.Single(await Read(new JsonRecordReader(), "\uFEFF  {\"text\": \"only\"}", "one.json", DocumentMediaTypes.Json));
        Assert.Equal("text: only", document.Text);
    }

    [Fact]
    public async Task Malformed_json_fails_after_the_good_records_with_a_line_number()
    {
        const string jsonl = "{\"a\":1}\n{\"a\":2}\n{\"a\": oops}\n{\"a\":4}\n";
        var documents = new List<Document>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));

        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (Document d in new JsonRecordReader().ReadAsync(stream, new DocumentReadContext("bad.jsonl") { MediaType = DocumentMediaTypes.JsonLines }))
            {
                documents.Add(d);
            }
        });

        Assert.Equal(2, documents.Count);
        Assert.Contains("bad.jsonl", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"a\": 1")]
    [InlineData("not json at all")]
    public async Task Invalid_records_and_documents_are_rejected(string json)
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => Read(new JsonRecordReader(), json, "x.json", DocumentMediaTypes.Json));
    }

    [Fact]
    public async Task Binary_utf16_and_invalid_utf8_are_rejected()
    {
        var reader = new JsonRecordReader();
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadBytes(reader, [0, 1, 2, 3]));
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadBytes(reader, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("{}")]));
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadBytes(reader, [.. "{\"a\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()]));
    }

    [Fact]
    public async Task A_missing_id_value_is_rejected()
    {
        var options = new JsonRecordReaderOptions { IdField = "id" };
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => Read(new JsonRecordReader(options), "[{\"id\":\"a\"},{\"x\":1}]", "r.json", DocumentMediaTypes.Json));
        Assert.Contains("Record 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_line_over_the_record_limit_is_rejected_without_buffering_the_rest()
    {
        var options = new JsonRecordReaderOptions { MaxRecordLength = 100_000 };
        string jsonl = "{\"a\":1}\n{\"a\":\"" + new string('x', 300_000) + "\"}\n";

        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => Read(new JsonRecordReader(options), jsonl, "l.jsonl", DocumentMediaTypes.JsonLines));
        Assert.Contains("Line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_content_yields_no_documents()
    {
        Assert.Empty(await Read(new JsonRecordReader(), "  \n", "e.jsonl", DocumentMediaTypes.JsonLines));
        Assert.Empty(await Read(new JsonRecordReader(), "[]", "e.json", DocumentMediaTypes.Json));
    }

    [Fact]
    public async Task Large_json_lines_are_streamed_record_by_record()
    {
        // A non-seekable stream that produces records on demand: the reader must yield the first document
        // long before the (large) content ends.
        using var stream = new GeneratedStream(i => Encoding.UTF8.GetBytes($"{{\"text\":\"record {i} {new string('x', 100)}\"}}\n"), count: 200_000);
        int seen = 0;
        await foreach (Document d in new JsonRecordReader().ReadAsync(stream, new DocumentReadContext("big.jsonl") { MediaType = DocumentMediaTypes.JsonLines }))
        {
            seen++;
            if (seen == 10)
            {
                break;
            }
        }

        Assert.Equal(10, seen);
        Assert.True(stream.Produced < 1_000, $"the reader pulled {stream.Produced} records to return 10");
    }

    private static Task<List<Document>> Read(IDocumentReader reader, string content, string id, string mediaType) =>
        ReadBytes(reader, Encoding.UTF8.GetBytes(content), id, mediaType);

    private static async Task<List<Document>> ReadBytes(IDocumentReader reader, byte[] content, string id = "x.json", string mediaType = DocumentMediaTypes.Json)
    {
        using var stream = new MemoryStream(content);
        var context = new DocumentReadContext(id)
        {
            MediaType = mediaType,
            Metadata = new Dictionary<string, object?> { ["tenant"] = "tenant-1" },
        };
        List<Document> documents = await reader.ReadAsync(stream, context).ToListAsync();
        Assert.True(stream.CanRead);
        return documents;
    }
}
