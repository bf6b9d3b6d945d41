using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// The sentence checks of one streamed answer (the content policy and prompt injection), fed the text that the
/// personal-data check let through: it holds the text back to the end of the current sentence, classifies each completed
/// stretch with the sentences just before it, assesses the stretch for injection, and lets it out only when both allow it.
/// </summary>
/// <remarks>
/// <para>
/// A piece without a sentence end (a line break, <c>.</c>, <c>!</c> or <c>?</c>) is appended and nothing more, so the
/// cost per streamed token is a copy and a search of the piece. The window classified starts at a sentence start at
/// least <see cref="ContextWindow"/> characters before the text to let out (or at the answer's start), so a sentence
/// is judged with what precedes it.
/// </para>
/// <para>
/// With <see cref="EnglishContentClassifier"/> (the default), the window is classified in place, and only under the
/// categories whose trigger words (<see cref="EnglishContentClassifier.FindTriggers"/>) occur in it: each character is
/// searched for them once, when it is first let out, and the start of the last trigger of each category is kept. The
/// verdict is the one the classifier gives for the whole window, since a category without a trigger in the window
/// cannot match there. A window that starts where the kept text was cut rather than at a sentence start (no sentence
/// end for several hundred characters) is classified under every category. Another classifier gets the window as a
/// string. The filter is not thread-safe: one answer, one instance.
/// </para>
/// </remarks>
internal sealed class GuardedContent
{
    /// <summary>How many characters before the text to let out the classified window reaches back at least.</summary>
    internal const int ContextWindow = 256;

    private static readonly SearchValues<char> s_sentenceEnds = SearchValues.Create(".!?\n");

    private readonly GuardrailScreen _screen;
    private readonly GuardrailAction _action;
    private readonly GuardrailAction _injectionAction;
    private readonly EnglishContentClassifier? _english;

    // The start (in the answer) of the last trigger of each category found so far; -1 for none.
    private readonly int[] _lastTrigger;

    // _buffer[0.._length) holds the answer from _offset on; _emitted and _searchedTo are counted from the answer's start.
    private char[] _buffer = new char[512];
    private int _length;
    private int _offset;
    private int _emitted;
    private int _searchedTo;
    private bool _complete;

    public GuardedContent(GuardrailScreen screen)
    {
        _screen = screen;
        _action = screen.Options.OutputContent;
        _injectionAction = screen.Options.OutputInjection;
        _english = (screen.Options.ContentClassifier ?? EnglishContentClassifier.Default) as EnglishContentClassifier;
        _lastTrigger = new int[ContentClassification.CategoryCount];
        _lastTrigger.AsSpan().Fill(-1);
    }

    /// <summary>Gets a value indicating whether the content policy or the injection check applies to the output.</summary>
    public bool IsActive => _action != GuardrailAction.Allow || _injectionAction != GuardrailAction.Allow;

    /// <summary>Gets what blocked the answer; <see langword="null"/> while nothing did. Nothing more is let out after that.</summary>
    public GuardrailViolationException? Blocked { get; private set; }

    /// <summary>Appends the next piece; returns whether a sentence ended in it, so that <see cref="ReleaseAsync"/> has something to judge.</summary>
    public bool Push(string piece)
    {
        if (_length + piece.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + piece.Length));
        }

        piece.CopyTo(0, _buffer, _length, piece.Length);
        _length += piece.Length;
        bool ended = piece.AsSpan().IndexOfAny(s_sentenceEnds) >= 0;
        _complete |= ended;
        return ended;
    }

    /// <summary>
    /// Classifies what can be let out (up to the last sentence end, or everything when <paramref name="final"/>) and
    /// returns it, or returns an empty string and sets <see cref="Blocked"/> when the policy blocks it.
    /// </summary>
    public async ValueTask<string> ReleaseAsync(bool final, CancellationToken cancellationToken)
    {
        if (Blocked is not null)
        {
            return string.Empty;
        }

        int end = _offset + _length;
        int boundary = end;
        if (!final)
        {
            if (!_complete)
            {
                return string.Empty;
            }

            int last = _buffer.AsSpan(_emitted - _offset, end - _emitted).LastIndexOfAny(s_sentenceEnds);
            boundary = last < 0 ? _emitted : _emitted + last + 1;
            _complete = false;
        }

        if (boundary <= _emitted)
        {
            return string.Empty;
        }

        if (_action != GuardrailAction.Allow)
        {
            ContentClassification classification = await ClassifyAsync(boundary, cancellationToken).ConfigureAwait(false);
            if (classification.IsFlagged)
            {
                _screen.RecordContent(GuardrailStage.Output, _action, classification);
                if (_action == GuardrailAction.Block)
                {
                    Blocked = GuardrailScreen.ContentViolation(GuardrailStage.Output, classification);
                    return string.Empty;
                }
            }
        }

        string released = new(_buffer, _emitted - _offset, boundary - _emitted);
        if (_injectionAction != GuardrailAction.Allow)
        {
            // Only the text let out now: the context before it was assessed when it was let out.
            (released, Blocked) = await _screen.CheckOutputInjectionAsync(released, _injectionAction, cancellationToken).ConfigureAwait(false);
            if (Blocked is not null)
            {
                return string.Empty;
            }
        }

        _emitted = boundary;
        Trim();
        return released;
    }

    /// <summary>Classifies the window that ends at <paramref name="boundary"/>.</summary>
    private ValueTask<ContentClassification> ClassifyAsync(int boundary, CancellationToken cancellationToken)
    {
        (int windowStart, bool atSentenceStart) = WindowStart();
        ReadOnlySpan<char> window = _buffer.AsSpan(windowStart - _offset, boundary - windowStart);
        if (_english is null)
        {
            return _screen.ClassifyAsync(window.ToString(), GuardrailStage.Output, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Search the text not searched before (with room for a trigger that straddles its start) for triggers.
        int from = Math.Max(_offset, _searchedTo - (EnglishContentClassifier.MaxTriggerLength - 1));
        EnglishContentClassifier.FindTriggers(_buffer.AsSpan(0, boundary - _offset), from - _offset, _lastTrigger, _offset);
        _searchedTo = boundary;
        int categories = atSentenceStart ? EnglishContentClassifier.CategoriesFrom(_lastTrigger, windowStart) : EnglishContentClassifier.AllCategories;
        return ValueTask.FromResult(categories == 0 ? ContentClassification.None : _english.Classify(window, categories));
    }

    /// <summary>
    /// A sentence start at least <see cref="ContextWindow"/> characters before the emitted text, or the start of what is
    /// kept; and whether that start is a sentence start (the answer's start, or after a sentence end).
    /// </summary>
    private (int Start, bool AtSentenceStart) WindowStart()
    {
        for (int i = _emitted - ContextWindow; i > _offset; i--)
        {
            if (_buffer[i - _offset - 1] is '.' or '!' or '?' or '\n')
            {
                return (i, true);
            }
        }

        return (_offset, _offset == 0);
    }

    /// <summary>Drops what no later window can reach.</summary>
    private void Trim()
    {
        int keepFrom = _emitted - (2 * ContextWindow);
        int drop = keepFrom - _offset;
        if (drop > 4 * ContextWindow)
        {
            _buffer.AsSpan(drop, _length - drop).CopyTo(_buffer);
            _length -= drop;
            _offset = keepFrom;
        }
    }
}
