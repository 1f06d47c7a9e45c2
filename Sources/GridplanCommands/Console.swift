import Foundation

/// Where a command's output goes: the real terminal, or buffers in tests.
///
/// Commands write results to ``out(_:)``, messages to ``err(_:)`` and progress to
/// ``progress(_:)``. Progress appears only on an interactive terminal and never with `--quiet`.
/// The console in effect is task-local, so tests can run commands in parallel, each capturing
/// its own output.
public final class Console: @unchecked Sendable {
    @TaskLocal public static var current = Console()

    private let lock = NSLock()
    private let capturing: Bool
    private var capturedOut: [UInt8] = []
    private var capturedErr: [UInt8] = []
    /// Set from `--quiet`.
    public var quiet = false
    private var progressShown = false

    /// A console that writes to the process's stdout and stderr.
    public init() { capturing = false }

    /// A console that captures everything (for tests).
    public static func capture() -> Console { Console(capturing: true) }

    private init(capturing: Bool) { self.capturing = capturing }

    public var capturedStandardOutput: String { lock.withLock { String(decoding: capturedOut, as: UTF8.self) } }
    public var capturedStandardError: String { lock.withLock { String(decoding: capturedErr, as: UTF8.self) } }

    public func out(_ text: String) {
        clearProgress()
        lock.withLock {
            if capturing {
                capturedOut.append(contentsOf: text.utf8)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    public func err(_ text: String) {
        clearProgress()
        lock.withLock {
            if capturing {
                capturedErr.append(contentsOf: text.utf8)
            } else {
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
    }

    /// Whether progress lines are drawn: stderr is a terminal and not `--quiet`.
    public var showsProgress: Bool { !capturing && !quiet && isatty(STDERR_FILENO) == 1 }

    /// Redraws a one-line progress message in place on the terminal.
    public func progress(_ text: String) {
        guard showsProgress else { return }
        lock.withLock {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            progressShown = true
        }
    }

    public func clearProgress() {
        guard showsProgress else { return }
        lock.withLock {
            if progressShown {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                progressShown = false
            }
        }
    }
}
