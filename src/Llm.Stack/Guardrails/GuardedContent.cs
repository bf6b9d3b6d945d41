using System.Buffers;
using System.Text;

namespace Llm.Stack;

/// <summary>
/// The sentence checks of one streamed answer (the content policy and prompt injection), fed the text that the
/// personal-data check let through: it holds the text back to the end of the current sentence, classifies each completed
/// stretch with the sentences just before it, assesses the stretch for injection, and lets it out only when both allow it.
/// </summary>
/// <remarks>
/// A piece without a sentence end (a line break, <c>.</c>, <c>!</c> or <c>?</c>) is appended and nothing more, so the
/// cost per streamed token is a copy and a search of the piece. The window classified starts at a sentence start at
/// least <see cref="ContextWindow"/> characters before the text to let out (or at the answer's start), so a sentence
/// is judged with what precedes it. The filter is not thread-safe: one answer, one instance.
/// </remarks>
internal sealed class GuardedContent
{
    /// <summary>How many characters before the text to let out the classified window reaches back at least.</summary>
    internal const int ContextWindow = 256;

    private static readonly SearchValues<char> s_sentenceEnds = SearchValues.Create(".!?\n");

    private readonly GuardrailScreen _screen;
    private readonly GuardrailAction _action;
    private readonly GuardrailAction _injectionAction;
    private readonly StringBuilder _text = new();

    // _text holds the answer from _offset on; _emitted is counted from the answer's start.
    private int _offset;
    private int _emitted;
    private bool _complete;

    public GuardedContent(GuardrailScreen screen)
    {
        _screen = screen;
        _action = screen.Options.OutputContent;
        _injectionAction = screen.Options.OutputInjection;
    }

    /// <summary>Gets a value indicating whether the content policy or the injection check applies to the output.</summary>
    public bool IsActive => _action != GuardrailAction.Allow || _injectionAction != GuardrailAction.Allow;

    /// <summary>Gets what blocked the answer; <see langword="null"/> while nothing did. Nothing more is let out after that.</summary>
    public GuardrailViolationException? Blocked { get; private set; }

    /// <summary>Appends the next piece; returns whether a sentence ended in it, so that <see cref="ReleaseAsync"/> has something to judge.</summary>
    public bool Push(string piece)
    {
        _text.Append(piece);
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

        int end = _offset + _text.Length;
        int boundary = end;
        if (!final)
        {
            if (!_complete)
            {
                return string.Empty;
            }

            boundary = _emitted;
            for (int i = end - 1; i >= _emitted; i--)
            {
                if (_text[i - _offset] is '.' or '!' or '?' or '\n')
                {
                    boundary = i + 1;
                    break;
                }
            }

            _complete = false;
        }

        if (boundary <= _emitted)
        {
            return string.Empty;
        }

        int windowStart = WindowStart();
        string window = _text.ToString(windowStart - _offset, boundary - windowStart);
        if (_action != GuardrailAction.Allow)
        {
            ContentClassification classification = await _screen.ClassifyAsync(window, GuardrailStage.Output, cancellationToken).ConfigureAwait(false);
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

        string released = window[(_emitted - windowStart)..];
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

    /// <summary>A sentence start at least <see cref="ContextWindow"/> characters before the emitted text, or the start of what is kept.</summary>
    private int WindowStart()
    {
        for (int i = _emitted - ContextWindow; i > _offset; i--)
        {
            if (_text[i - _offset - 1] is '.' or '!' or '?' or '\n')
            {
                return i;
            }
        }

        return _offset;
    }

    /// <summary>Drops what no later window can reach.</summary>
    private void Trim()
    {
        int keepFrom = _emitted - (2 * ContextWindow);
        if (keepFrom - _offset > 4 * ContextWindow)
        {
            _text.Remove(0, keepFrom - _offset);
            _offset = keepFrom;
        }
    }
}
