using System.Text;

namespace Llm.Stack;

/// <summary>
/// The output check of one answer, fed its text piece by piece: restores the call's placeholders and applies the
/// output action to personal data the model wrote, holding back only what a later piece could still change.
/// </summary>
/// <remarks>
/// <para>
/// Held back: the trailing run of non-white-space characters (a placeholder, an e-mail address, a key or a JWT is such
/// a run, and the next piece may extend it), the last <see cref="SpacedWindow"/> characters when personal data is
/// checked (the longest item that crosses white space, an IBAN written in groups, is 42), and any item found that
/// reaches into that window (a private-key block until its END line). Everything before is emitted once at least
/// <see cref="ReleaseStep"/> characters of it are ready. A check that blocks stops the answer before the piece holding
/// the item: nothing blocked is emitted.
/// </para>
/// <para>
/// The detector runs only when an item could start in the text to let out: every item holds, or just follows, one of
/// a few anchors (a digit, <c>@</c>, a secret's field name and <c>:</c> or <c>=</c>, <c>eyJ</c>, <c>Bearer</c>, a key
/// prefix; <see cref="PiiDetector.FirstPossibleStart"/>), and since the text to let out ends next to white space, an
/// item that starts in it has its first run of non-white-space characters, and so its anchor, in it (or, for an
/// assigned value, just before it). Prose without an anchor is let out without a scan; a scan runs from before the
/// first anchor's run, not from before the emitted text. Once the answer holds <c>-----BEGIN</c> (a PEM block spans
/// lines), every release is scanned.
/// </para>
/// <para>
/// Each scan starts from a resynchronisation point, so that it sees what a scan of the whole answer sees while its cost
/// does not grow with the answer: the start of a word after white space that follows a sentence's end (a lowercase
/// letter, <c>.</c>, <c>!</c> or <c>?</c>) or a line that ends in a lowercase letter (a line break in the white space:
/// blank lines and headings of Markdown answers included), at least <see cref="ContextWindow"/> characters before the
/// first place an item could start. No item the detector reads runs across such a point: digit groups are separated
/// by one character and hold no lowercase letter and no line break, IBANs likewise, e-mail addresses and tokens hold
/// no white space, and a secret's field name meets its value only through <c>:</c>, <c>=</c> or <c>Bearer</c> and a
/// space or tab. The keyword context read before an item is at most 32 characters, and items that start before the
/// emitted text are no longer the check's concern. A PEM block spans lines: once the answer holds <c>-----BEGIN</c>,
/// the point stops moving. (A scan from an arbitrary later point, such as a line start just before the emitted text,
/// reads an item's context differently: FsCheck found such cases.) The filter is not thread-safe: one answer, one
/// instance.
/// </para>
/// </remarks>
internal sealed class GuardedOutput
{
    /// <summary>The characters held back beyond the trailing run when personal data is checked.</summary>
    internal const int SpacedWindow = 64;

    /// <summary>How far before the first place an item could start a scan starts at least: the detector's keyword context (32) with room to spare.</summary>
    internal const int ContextWindow = 64;

    /// <summary>How many characters must be ready to let out before they are let out (and scanned, if an item could start in them), when personal data is checked.</summary>
    internal const int ReleaseStep = 32;

    /// <summary>How far the resynchronisation point may lag before a new one is looked for.</summary>
    private const int ResyncStep = 16;

    private const string PemBegin = "-----BEGIN";

    private readonly GuardrailScreen _screen;
    private readonly PiiVault? _vault;
    private readonly PiiDetector? _detector;
    private readonly GuardrailAction _action;
    private char[] _buffer = new char[256];
    private int _length;
    private int _emitted;
    private int _scanFrom;
    private int _searchedTo;
    private bool _holdsPem;

    /// <summary>Initializes a new instance of the <see cref="GuardedOutput"/> class.</summary>
    /// <param name="screen">The options, Meter and log.</param>
    /// <param name="vault">The call's placeholders to restore; <see langword="null"/> when the input was not redacted.</param>
    public GuardedOutput(GuardrailScreen screen, PiiVault? vault)
    {
        _screen = screen;
        _vault = vault is { Count: > 0 } ? vault : null;
        _action = screen.Options.OutputPii;
        _detector = _action == GuardrailAction.Allow ? null : screen.Options.PiiDetector;
    }

    /// <summary>Gets a value indicating whether the filter changes or checks anything (else the text can pass as it is).</summary>
    public bool IsActive => _vault is not null || _detector is not null;

    /// <summary>Gets a value indicating whether the scan may start after the answer's start (tests compare with <see langword="false"/>).</summary>
    internal bool Resynchronises { get; init; } = true;

    /// <summary>Gets a value indicating whether the detector runs only when an item could start in the text to let out (<see cref="PiiDetector.FirstPossibleStart"/>), from a point before the first place one could (tests compare with <see langword="false"/>).</summary>
    internal bool ScansOnlyNearAnchors { get; init; } = true;

    /// <summary>Gets where the last scan started in the answer.</summary>
    internal int ScanStart => _scanFrom;

    /// <summary>Gets how many times the detector ran.</summary>
    internal int Scans { get; private set; }

    /// <summary>Gets how many characters the detector was run over.</summary>
    internal long ScannedCharacters { get; private set; }

    /// <summary>Gets a value indicating whether a check blocked the answer; nothing more is emitted after that.</summary>
    public bool IsBlocked { get; private set; }

    /// <summary>Feeds the next piece of the answer and returns the text that can be emitted now (possibly empty).</summary>
    public string Push(string piece) => Process(piece, final: false);

    /// <summary>Returns what is still held back, at the end of the answer.</summary>
    public string Flush() => Process(string.Empty, final: true);

    private string Process(string piece, bool final)
    {
        if (IsBlocked)
        {
            return string.Empty;
        }

        Append(piece);
        int end = _length;
        int boundary = final ? end : HoldBackFrom(end);
        if (boundary <= _emitted || (!final && _detector is not null && boundary - _emitted < ReleaseStep))
        {
            return string.Empty;
        }

        IReadOnlyList<PiiMatch> matches = [];
        int scanFrom = _scanFrom;
        if (_detector is not null)
        {
            // The scan runs only when an item could start in the text to let out, from a point before the first place one could.
            int possible = _holdsPem || !ScansOnlyNearAnchors ? _emitted : PiiDetector.FirstPossibleStart(_buffer.AsSpan(0, end), _emitted, boundary);
            if (possible < boundary)
            {
                scanFrom = Resynchronise(possible);
                matches = _detector.Detect(_buffer.AsSpan(scanFrom, end - scanFrom));
                Scans++;
                ScannedCharacters += end - scanFrom;
            }
        }

        // The matches that start in [emitted, boundary); a match that crosses the boundary holds it back to its start.
        int first = -1;
        int count = 0;
        for (int i = 0; i < matches.Count; i++)
        {
            int start = scanFrom + matches[i].Start;
            if (start < _emitted)
            {
                continue;
            }

            if (start >= boundary)
            {
                break;
            }

            if (start + matches[i].Length > boundary)
            {
                boundary = start;
                break;
            }

            first = first < 0 ? i : first;
            count++;
        }

        if (boundary <= _emitted)
        {
            return string.Empty;
        }

        string segment;
        if (count == 0)
        {
            segment = new string(_buffer, _emitted, boundary - _emitted);
        }
        else
        {
            var found = new PiiMatch[count];
            for (int i = 0; i < count; i++)
            {
                PiiMatch m = matches[first + i];
                found[i] = m with { Start = scanFrom + m.Start - _emitted };
            }

            _screen.RecordPii(GuardrailStage.Output, _action, found);
            if (_action == GuardrailAction.Block)
            {
                IsBlocked = true;
                return string.Empty;
            }

            segment = new string(_buffer, _emitted, boundary - _emitted);
            if (_action == GuardrailAction.Redact)
            {
                segment = GuardrailScreen.Replace(segment, found, static (m, _) => PiiLabels.Label(m.Kind));
            }
        }

        _emitted = boundary;
        return _vault is null ? segment : _vault.Restore(segment);
    }

    /// <summary>Where the held-back text starts: the trailing run, and the spaced window when personal data is checked, never inside a run.</summary>
    private int HoldBackFrom(int end)
    {
        int boundary = end;
        while (boundary > _emitted && !char.IsWhiteSpace(_buffer[boundary - 1]))
        {
            boundary--;
        }

        if (_detector is not null)
        {
            boundary = Math.Min(boundary, end - SpacedWindow);
            while (boundary > _emitted && !char.IsWhiteSpace(_buffer[boundary - 1]) && !char.IsWhiteSpace(_buffer[boundary]))
            {
                boundary--;
            }
        }

        return boundary;
    }

    private void Append(string piece)
    {
        if (_length + piece.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + piece.Length));
        }

        piece.CopyTo(0, _buffer, _length, piece.Length);
        int from = Math.Max(0, _length - (PemBegin.Length - 1));
        _length += piece.Length;
        _holdsPem |= _buffer.AsSpan(from, _length - from).IndexOf(PemBegin, StringComparison.Ordinal) >= 0;
    }

    /// <summary>Moves the scan's start forward when it lags far behind <paramref name="first"/> (where an item could start at the earliest), and returns it.</summary>
    private int Resynchronise(int first)
    {
        int target = first - ContextWindow;
        if (!Resynchronises || _holdsPem || target - _scanFrom < ResyncStep)
        {
            return _scanFrom;
        }

        // Only the characters not searched before: the point moves to the latest candidate found.
        int low = Math.Max(_scanFrom, _searchedTo);
        _searchedTo = target;
        for (int p = target; p > low; p--)
        {
            if (IsResynchronisationPoint(p))
            {
                _scanFrom = p;
                break;
            }
        }

        return _scanFrom;
    }

    /// <summary>
    /// Whether <paramref name="p"/> starts a word after white space that follows a sentence's end (a lowercase letter and
    /// <c>.</c>, <c>!</c> or <c>?</c>) or a line that ends in a lowercase letter (the white space holds a line break).
    /// </summary>
    private bool IsResynchronisationPoint(int p)
    {
        if (char.IsWhiteSpace(_buffer[p]) || !char.IsWhiteSpace(_buffer[p - 1]))
        {
            return false;
        }

        int q = p - 1;
        bool lineBreak = false;
        while (q > 0 && char.IsWhiteSpace(_buffer[q]))
        {
            lineBreak |= _buffer[q] == '\n';
            q--;
        }

        return (_buffer[q] is '.' or '!' or '?' && q > 0 && char.IsLower(_buffer[q - 1])) || (lineBreak && char.IsLower(_buffer[q]));
    }
}
