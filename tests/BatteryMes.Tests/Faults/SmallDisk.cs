using System.Diagnostics;

namespace BatteryMes.Tests.Faults;

/// <summary>A real, tiny file system (tmpfs) mounted on a folder of the test, so that "disk full" is the kernel's own
/// ENOSPC and not a simulation. Mounting needs root (CI runs the tests as root); without it the test fails and says
/// so rather than skipping. Always unmounted on dispose.</summary>
internal sealed class SmallDisk : IAsyncDisposable
{
    private SmallDisk(string folder) => Folder = folder;

    public string Folder { get; }

    public static async Task<SmallDisk> MountAsync(string folder, int kibibytes)
    {
        Directory.CreateDirectory(folder);
        var (code, output) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k,mode=0777", "tmpfs", folder);
        if (code != 0)
            Assert.Fail($"This fault test needs a real small disk: it mounts a {kibibytes} KB tmpfs on {folder}, which needs root " +
                $"(or CAP_SYS_ADMIN). Run the tests as root, as CI does (`id -u` is 0). mount said: {output.Trim()}");
        return new SmallDisk(folder);
    }

    /// <summary>Fills the disk with a file until fewer than <paramref name="leaveBytes"/> are free. Delete it to give
    /// the space back.</summary>
    public string Fill(long leaveBytes)
    {
        var filler = Path.Combine(Folder, "filler.bin");
        var free = new DriveInfo(Folder).AvailableFreeSpace;
        var size = Math.Max(0, free - leaveBytes);
        using (var stream = new FileStream(filler, FileMode.Create, FileAccess.Write))
        {
            var block = new byte[64 * 1024];
            Array.Fill(block, (byte)0x5A);
            for (long written = 0; written < size; written += block.Length)
                stream.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }
        return filler;
    }

    public long FreeBytes => new DriveInfo(Folder).AvailableFreeSpace;

    public async ValueTask DisposeAsync()
    {
        var (code, _) = await RunAsync("umount", Folder);
        // Something still holding a file open there: detach it now; the kernel finishes when it is closed.
        if (code != 0) await RunAsync("umount", "-l", Folder);
    }

    /// <summary>Runs a system tool (mount, chattr) and returns its exit code and what it printed.</summary>
    internal static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        // A developer who is not root but may use sudo without a password gets the same real faults as CI.
        var elevate = Environment.UserName != "root" && program is "mount" or "umount" or "chattr";
        var psi = new ProcessStartInfo(elevate ? "sudo" : program) { RedirectStandardError = true, RedirectStandardOutput = true };
        if (elevate) { psi.ArgumentList.Add("-n"); psi.ArgumentList.Add(program); }
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
