namespace Llm.Stack.TestUtilities;

/// <summary>Finds files of the repository from a test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds <c>Llm.Stack.sln</c>, above the running test's output folder.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Llm.Stack.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Llm.Stack.sln) was not found above " + AppContext.BaseDirectory);
    }
}
