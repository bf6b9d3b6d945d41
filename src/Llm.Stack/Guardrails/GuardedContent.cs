using System.Buffers;
using System.Numerics;

namespace Llm.Stack;

/// <summary>
/// The sentence checks of one streamed answer (the content policy and prompt injection), fed the text that the
/// personal-data check let through: it holds the text back to the end of the current sentence, classifies each completed
/// stretch with the sentences just before it, assesses the stretch for injection, and lets it out only when both allow it.
/// </summary>
/// <remarks>
/// <para>
/// A piece without a sentence end (a line break, <c>.</c>, <c>!</c> or <c>?</c>) is appended and nothing more, so the
/// cost per streamed token is a copy and a search of the piece. The window classified starts at the last sentence start
/// at least <see cref="ContextWindow"/> characters before the text to let out (or at the answer's start), so a sentence
/// is judged with what precedes it; the text is kept back to that sentence start however far back it lies, up to
/// <see cref="MaxContext"/> characters before the text to let out. Only an answer with no sentence end over that many
/// characters gets a window that starts inside a sentence (cut <see cref="MaxContext"/> characters back), so a window
/// is never longer than <see cref="MaxContext"/> and the text let out, and the cost stays linear in the answer's length.
/// </para>
/// <para>
/// With <see cref="EnglishContentClassifier"/> (the default), the window is classified in place, and only under the
/// categories whose trigger words (<see cref="EnglishContentClassifier.FindTriggers"/>) occur in it: each character is
/// searched for them once, when it is first let out, and the start of each trigger is kept. A category without a
/// trigger in the window cannot match there. A category with one runs its expression only over the part of the window
/// that a match read from one of its triggers can cover: from the last sentence end before the furthest its triggers
/// reach back (<see cref="EnglishContentClassifier.ReachBack"/>; the text before is still read as context) to the first
/// sentence end after the furthest they reach forward (<see cref="EnglishContentClassifier.ReachForward"/>). What it
/// finds there is what it finds in the whole window, and it depends on that part alone, so it is kept and reused while
/// the part stays the same: a trigger costs a run or two of the expression, not one at every sentence end while it
/// stays in the window. A window cut inside a sentence, or one that holds a character the expressions fold into an
/// ASCII letter and the trigger search does not, is classified whole under the categories whose triggers the window
/// holds when read on its own (its first word may be the end of a longer one). Another classifier gets the window as a
/// string. The filter is not thread-safe: one answer, one instance.
/// </para>
/// </remarks>
internal sealed class GuardedContent
{
    /// <summary>How many characters before the text to let out the classified window reaches back at least.</summary>
    internal const int ContextWindow = 256;

    /// <summary>How many characters before the text to let out the classified window reaches back at most: a window starts inside a sentence only when that sentence began further back.</summary>
    internal const int MaxContext = 1024;

    private static readonly SearchValues<char> s_sentenceEnds = SearchValues.Create(".!?\n");

    private readonly GuardrailScreen _screen;
    private readonly GuardrailAction _action;
    private readonly GuardrailAction _injectionAction;
    private readonly EnglishContentClassifier? _english;

    // The start (in the answer) of the last trigger of each category found so far; -1 for none.
    private readonly int[] _lastTrigger;

    // The starts (in the answer) of each category's triggers in the current window, and what the category's expression
    // found over the part of the window it last ran on; null until the category's first trigger.
    private readonly Scope?[] _scopes;
    private readonly Action<int, int> _onTrigger;

    // The position (in the answer) of the last character the expressions fold into an ASCII letter and the trigger search does not; -1 for none.
    private int _lastFolded = -1;

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
        _scopes = new Scope?[ContentClassification.CategoryCount];
        _onTrigger = (start, group) => (_scopes[(int)EnglishContentClassifier.GroupCategory(group)] ??= new Scope()).Add(start, group);
    }

    /// <summary>Gets a value indicating whether a triggered category's expression runs only over the part of the window its triggers can reach, with the verdict kept while that part stays the same (tests compare with <see langword="false"/>: the whole window every time).</summary>
    internal bool Bounded { get; init; } = true;

    /// <summary>Gets or initializes what is told each window's end (in the answer) and classification (tests compare them).</summary>
    internal Action<int, ContentClassification>? Classified { get; init; }

    /// <summary>Gets how many times a category's expression ran.</summary>
    internal int ExpressionRuns { get; private set; }

    /// <summary>Gets how many characters the expressions were run over (from where they started to the end of the text given).</summary>
    internal long ExpressionCharacters { get; private set; }

    /// <summary>Gets how many windows were classified whole rather than bounded (those that do not start at a sentence start, or that hold a folded character).</summary>
    internal int WholeWindows { get; private set; }

    /// <summary>Gets how many times a category's kept verdict was reused instead of running its expression.</summary>
    internal int VerdictsReused { get; private set; }

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
            Classified?.Invoke(boundary, classification);
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
        int folded = EnglishContentClassifier.FindTriggers(_buffer.AsSpan(0, boundary - _offset), from - _offset, _lastTrigger, _offset, Bounded ? _onTrigger : null);
        _lastFolded = Math.Max(_lastFolded, folded);
        _searchedTo = boundary;
        if (!atSentenceStart || !Bounded || _lastFolded >= windowStart)
        {
            // A window cut inside a sentence may start inside a word that the search of the whole text did not take
            // for a trigger: read on its own, the window's first characters start a word.
            int categories = atSentenceStart ? EnglishContentClassifier.CategoriesFrom(_lastTrigger, windowStart)
                : Bounded ? EnglishContentClassifier.TriggeredCategories(window)
                : EnglishContentClassifier.AllCategories;
            WholeWindows++;
            if (categories != 0)
            {
                ExpressionRuns += BitOperations.PopCount((uint)categories);
                ExpressionCharacters += (long)window.Length * BitOperations.PopCount((uint)categories);
            }

            return ValueTask.FromResult(categories == 0 ? ContentClassification.None : _english.Classify(window, categories));
        }

        return ValueTask.FromResult(ClassifyBounded(windowStart, boundary));
    }

    /// <summary>
    /// Classifies the window [<paramref name="windowStart"/>, <paramref name="boundary"/>) (which starts at a sentence
    /// start) under each category with a trigger in it, running the category's expression only over the part its
    /// triggers can reach, or reusing what it found there before.
    /// </summary>
    /// <remarks>
    /// Why the verdict is the whole window's: every match holds a trigger of its category, in the window, from whose
    /// start it reaches no further than the category's bounds, so no match starts before <c>start</c> and none reaches
    /// past the sentence end that ends the part; the expression, started at <c>start</c> in the window cut after that
    /// sentence end, tries the same positions over the same characters (the word boundary before <c>start</c> is read
    /// in the window) and finds the same matches. Each match's checks read its sentence, which lies in the part:
    /// <c>start</c> is the window's start or a sentence end. So the verdict depends on the part alone (and, when it
    /// starts at the window's start, on its being the text's start), and a part seen before gives the same verdict.
    /// </remarks>
    private ContentClassification ClassifyBounded(int windowStart, int boundary)
    {
        ReadOnlySpan<char> kept = _buffer.AsSpan(0, boundary - _offset);
        List<ContentCategory>? found = null;
        for (int category = 0; category < _scopes.Length; category++)
        {
            Scope? scope = _scopes[category];
            if (scope is null || !scope.DropBefore(windowStart))
            {
                continue;
            }

            var kind = (ContentCategory)category;
            (int reachBack, int reach) = scope.Reach(kept, _offset, windowStart, boundary);
            int start = windowStart;
            for (int i = reachBack; i > windowStart; i--)
            {
                if (_buffer[i - _offset] is '.' or '!' or '?' or '\n')
                {
                    start = i;
                    break;
                }
            }

            int end = boundary;
            int sentenceEnd = reach < boundary ? kept[(reach - _offset)..].IndexOfAny(s_sentenceEnds) : -1;
            if (sentenceEnd >= 0)
            {
                end = reach + sentenceEnd + 1;
            }

            bool atWindowStart = start == windowStart;
            if (!scope.TryReuse(start, end, atWindowStart, out bool matches))
            {
                ReadOnlySpan<char> part = _buffer.AsSpan(windowStart - _offset, end - windowStart);
                matches = _english!.Matches(part, kind, start - windowStart);
                scope.Keep(start, end, atWindowStart, matches);
                ExpressionRuns++;
                ExpressionCharacters += end - start;
            }
            else
            {
                VerdictsReused++;
            }

            if (matches)
            {
                (found ??= []).Add(kind);
            }
        }

        return found is null ? ContentClassification.None : new ContentClassification(found);
    }

    /// <summary>
    /// The last sentence start (the answer's start, or after a sentence end) at least <see cref="ContextWindow"/> and
    /// at most <see cref="MaxContext"/> characters before the emitted text, and <see langword="true"/>; when there is
    /// none, the position <see cref="MaxContext"/> characters before it, and <see langword="false"/>. It never moves
    /// back as the emitted text grows.
    /// </summary>
    private (int Start, bool AtSentenceStart) WindowStart()
    {
        int latest = _emitted - ContextWindow;
        if (latest <= 0)
        {
            return (0, true);
        }

        // A sentence starts at i when i is 0 or the character at i - 1 ends a sentence; i runs from latest down to earliest.
        int earliest = Math.Max(1, _emitted - MaxContext);
        int end = _buffer.AsSpan(earliest - 1 - _offset, latest - earliest + 1).LastIndexOfAny(s_sentenceEnds);
        if (end >= 0)
        {
            return (earliest + end, true);
        }

        return _emitted <= MaxContext ? (0, true) : (earliest, false);
    }

    /// <summary>One category's triggers in the current window (start and group, in order) and the verdict over the part of the window its expression last ran on.</summary>
    private sealed class Scope
    {
        // start * 64 + group, ascending; [_head, _end) are in use.
        private long[] _triggers = new long[4];
        private int _head;
        private int _end;
        private int _partStart = -1;
        private int _partEnd = -1;
        private bool _partAtWindowStart;
        private bool _matches;

        /// <summary>Adds a trigger; one found again (the search overlaps the text searched before) is not added twice.</summary>
        public void Add(int start, int group)
        {
            long key = ((long)start << 6) | (uint)group;
            int at = Array.BinarySearch(_triggers, _head, _end - _head, key);
            if (at >= 0)
            {
                return;
            }

            at = ~at;
            if (_end == _triggers.Length)
            {
                int count = _end - _head;
                long[] triggers = count * 2 > _triggers.Length ? new long[_triggers.Length * 2] : _triggers;
                Array.Copy(_triggers, _head, triggers, 0, count);
                _triggers = triggers;
                at -= _head;
                _head = 0;
                _end = count;
            }

            Array.Copy(_triggers, at, _triggers, at + 1, _end - at);
            _triggers[at] = key;
            _end++;
        }

        /// <summary>Drops the triggers that start before <paramref name="windowStart"/>; returns whether any is left.</summary>
        public bool DropBefore(int windowStart)
        {
            while (_head < _end && (_triggers[_head] >> 6) < windowStart)
            {
                _head++;
            }

            return _head < _end;
        }

        /// <summary>
        /// How far back and forward (in the answer) a match read from one of the triggers can reach within the window:
        /// the earliest reach back of the first trigger of each group, the furthest reach forward of the last.
        /// </summary>
        public (int Back, int Forward) Reach(ReadOnlySpan<char> kept, int offset, int windowStart, int boundary)
        {
            int back = int.MaxValue;
            int forward = int.MinValue;
            ulong seen = 0;
            for (int i = _head; i < _end; i++)
            {
                int group = (int)(_triggers[i] & 63);
                if ((seen & (1UL << group)) == 0)
                {
                    seen |= 1UL << group;
                    back = Math.Min(back, EnglishContentClassifier.ReachBack(kept, (int)(_triggers[i] >> 6) - offset, windowStart - offset, group) + offset);
                }
            }

            seen = 0;
            for (int i = _end - 1; i >= _head; i--)
            {
                int group = (int)(_triggers[i] & 63);
                if ((seen & (1UL << group)) == 0)
                {
                    seen |= 1UL << group;
                    forward = Math.Max(forward, EnglishContentClassifier.ReachForward(kept, (int)(_triggers[i] >> 6) - offset, boundary - offset, group) + offset);
                }
            }

            return (back, forward);
        }

        public bool TryReuse(int start, int end, bool atWindowStart, out bool matches)
        {
            matches = _matches;
            return start == _partStart && end == _partEnd && atWindowStart == _partAtWindowStart;
        }

        public void Keep(int start, int end, bool atWindowStart, bool matches)
        {
            (_partStart, _partEnd, _partAtWindowStart, _matches) = (start, end, atWindowStart, matches);
        }
    }

    /// <summary>Drops what no later window can reach: a window starts, and its search for a sentence start reads, at most <see cref="MaxContext"/> + 1 characters before the emitted text.</summary>
    private void Trim()
    {
        int keepFrom = _emitted - MaxContext - 1;
        int drop = keepFrom - _offset;
        if (drop > 4 * ContextWindow)
        {
            _buffer.AsSpan(drop, _length - drop).CopyTo(_buffer);
            _length -= drop;
            _offset = keepFrom;
        }
    }
}
