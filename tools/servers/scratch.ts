import * as fs from "node:fs";
import * as os from "node:os";

/** statfs's type of a tmpfs (linux/magic.h). */
const tmpfsMagic = 0x01021994;
/** Room a run needs there: dozens of PostgreSQL clusters of 28 MiB at once, and OpenSearch's nodes. */
const roomNeeded = 4 * 1024 ** 3;

/**
 * Where the test servers (PostgreSQL, its replicas, OpenSearch, nginx) keep their files: the memory file
 * system /dev/shm when it is a tmpfs with room to spare, else the system's temporary directory (a
 * container's /dev/shm is often 64 MiB). A run creates and deletes dozens of clusters of a thousand files
 * each; on ext4, creating a file where thousands were just deleted searches the inode table (the kernel's
 * `recently_deleted`), which took a third of the CPU time of the lab's suites (`perf record -a -g`).
 */
export const scratchDir: string = (() => {
    try {
        const stats = fs.statfsSync("/dev/shm");
        fs.accessSync("/dev/shm", fs.constants.W_OK);
        if (stats.type === tmpfsMagic && stats.bavail * stats.bsize >= roomNeeded) return "/dev/shm";
    } catch {
        // No /dev/shm, or not ours to write: the temporary directory.
    }
    return os.tmpdir();
})();
