namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>Puts the disk in the same state before every file-copy iteration: the kernel's dirty pages written out, so
/// that a copy is not charged for the write-back of the copy before it (on this class of VM that added 0.5 to 3 s to a
/// random iteration, to cp and to the snapshot alike).</summary>
internal static class DiskState
{
    public static void Settle()
    {
        if (OperatingSystem.IsLinux()) sync();
        Thread.Sleep(500);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern void sync();
}
