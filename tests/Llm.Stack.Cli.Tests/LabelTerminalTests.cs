using System.Diagnostics;
using Llm.Stack.Monitoring;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack label</c> once in a real terminal: the built CLI run by tmux in a pseudo-terminal (no test console), the
/// keys sent as a person types them, what the screen shows read back, and the labels read from the store afterwards.
/// </summary>
public sealed class LabelTerminalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Label_in_a_tmux_terminal_stores_what_the_keys_chose()
    {
        using CliRunner cli = await LabelExportTests.AnsweredAsync();
        var tmux = new Tmux("llmstack-label-" + Guid.NewGuid().ToString("N")[..12]);
        string exitFile = Path.Combine(cli.WorkingDirectory, "label.exit");
        try
        {
            tmux.Run(
                "new-session", "-d", "-x", "160", "-y", "50", "-c", cli.WorkingDirectory,
                $"dotnet '{typeof(CliApp).Assembly.Location}' label --user bob; echo $? > '{exitFile}'; sleep 600");

            // Newest first: the bread question. Wrong, with a better answer typed, the sources as cited.
            await tmux.WaitForAsync("1 of 2", 1);
            await tmux.WaitForAsync("Question: " + LabelExportTests.Bread, 1);
            tmux.Run("send-keys", "w");
            await tmux.WaitForAsync("Better answer (Enter to skip):", 1);
            tmux.Run("send-keys", "-l", "Yeast ferments the sugars, so the dough rises.");
            tmux.Run("send-keys", "Enter");
            await tmux.WaitForAsync("Which sources are relevant", 1);
            tmux.Run("send-keys", "Enter");

            // Then the volcano question: correct. It is the last one, so the tool ends by itself.
            await tmux.WaitForAsync("2 of 2", 1);
            tmux.Run("send-keys", "c");

            // The first sources prompt was cleared when accepted: this one marks the volcano's cited source.
            await tmux.WaitForAsync("[X] volcanoes.md", 1);
            tmux.Run("send-keys", "Enter");
            await WaitForFileAsync(exitFile, tmux);
        }
        finally
        {
            tmux.Kill();
        }

        Assert.Equal("0", (await File.ReadAllTextAsync(exitFile)).Trim());
        var stored = await LabelExportTests.StoredAsync(cli);
        (InteractionRecord bread, IReadOnlyList<InteractionFeedback> breadFeedback) = stored.Single(s => s.Record.Question == LabelExportTests.Bread);
        InteractionFeedback wrong = Assert.Single(breadFeedback);
        Assert.Equal([InteractionLabels.Incorrect], wrong.Labels);
        Assert.Equal("Yeast ferments the sugars, so the dough rises.", wrong.CorrectedAnswer);
        Assert.Equal("bob", wrong.UserId);
        Assert.Equal(bread.CitedChunkIds.Distinct(), wrong.RelevantChunkIds);
        InteractionFeedback right = Assert.Single(stored.Single(s => s.Record.Question == LabelExportTests.Volcano).Feedback);
        Assert.Equal([InteractionLabels.Correct], right.Labels);
        Assert.Equal("bob", right.UserId);
    }

    private static async Task WaitForFileAsync(string path, Tmux tmux)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path) || (await File.ReadAllTextAsync(path)).Trim().Length == 0)
        {
            Assert.True(clock.Elapsed < Patience, $"llmstack label did not end; the terminal shows:\n{tmux.Screen()}");
            await Task.Delay(100);
        }
    }

    /// <summary>A tmux server of its own (its own socket), so that the test touches no one else's sessions.</summary>
    private sealed class Tmux(string socket)
    {
        public string Run(params string[] arguments)
        {
            var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in (string[])["-L", socket, .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start.");
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"tmux {string.Join(' ', arguments)} failed: {error}");
            return output;
        }

        /// <summary>Everything the terminal showed, scrolled-off lines included.</summary>
        public string Screen() => Run("capture-pane", "-p", "-J", "-S", "-");

        /// <summary>Waits until <paramref name="text"/> has appeared <paramref name="times"/> times.</summary>
        public async Task WaitForAsync(string text, int times)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                string screen = Screen();
                if (Count(screen, text) >= times)
                {
                    return;
                }

                Assert.True(clock.Elapsed < Patience, $"'{text}' did not appear {times} time(s); the terminal shows:\n{screen}");
                await Task.Delay(100);
            }
        }

        public void Kill()
        {
            using Process? process = Process.Start(new ProcessStartInfo("tmux", ["-L", socket, "kill-server"]) { RedirectStandardError = true });
            process?.WaitForExit();
        }

        private static int Count(string screen, string text)
        {
            int count = 0;
            for (int at = screen.IndexOf(text, StringComparison.Ordinal); at >= 0; at = screen.IndexOf(text, at + text.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }
    }
}
