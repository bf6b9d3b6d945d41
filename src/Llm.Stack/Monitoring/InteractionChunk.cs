namespace Llm.Stack;

/// <summary>A chunk retrieved for an interaction, by id, with its retrieval score.</summary>
/// <param name="ChunkId">The chunk's id (<see cref="DocumentChunk.Id"/>).</param>
/// <param name="Score">The retrieval (or reranking) score the chunk had; higher is better.</param>
public readonly record struct InteractionChunk(string ChunkId, double Score);
