import Foundation

/// An output written atomically: bytes go to a temporary file beside the destination, which
/// replaces the destination only on ``commit()``. If the writer fails or is dropped without
/// committing, the temporary file is removed and any previous file at the path is untouched.
///
/// The path `-` writes to standard output, unbuffered by the temporary-file dance.
public final class OutputFile {
    public let path: String
    private let temporaryPath: String?
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false
    /// Bytes are flushed to the file in chunks of this size.
    private let chunk = 1 << 20

    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = STDOUT_FILENO
            temporaryPath = nil
        } else {
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw OutputError(path: path, reason: "the directory \(dir) does not exist")
            }
            var template = Array((dir + "/." + url.lastPathComponent + ".tmp-XXXXXX").utf8CString)
            let f = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard f >= 0 else {
                throw OutputError(
                    path: path, reason: "cannot create a file in \(dir): \(String(cString: strerror(errno)))")
            }
            fd = f
            temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        buffer.reserveCapacity(chunk + 4096)
    }

    deinit {
        if !finished, let temporaryPath {
            close(fd)
            unlink(temporaryPath)
        }
    }

    /// Appends bytes; they reach the disk in large chunks.
    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= chunk { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunk { try flush() }
    }

    /// Lets a caller format straight into the buffer, avoiding an intermediate array.
    public func append(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= chunk { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the temporary file over the destination.
    public func commit() throws {
        precondition(!finished, "OutputFile committed twice")
        try flush()
        finished = true
        guard let temporaryPath else { return }
        // The data must be on disk before the rename makes it visible.
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporaryPath)
            throw OutputError(path: path, reason: "sync failed: \(reason)")
        }
        close(fd)
        // Make the file readable like one made by an ordinary create (mkstemp uses 0600).
        chmod(temporaryPath, 0o666 & ~OutputFile.processUmask)
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError(path: path, reason: "cannot replace the file: \(reason)")
        }
    }

    /// The process's file-creation mask, read once: reading it means setting it, which would race
    /// with files being created on other threads if done per file.
    public static let processUmask: mode_t = {
        let mask = umask(0)
        umask(mask)
        return mask
    }()

    /// Writes `bytes` to `path` atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let f = try OutputFile(path: path)
        try f.write(bytes)
        try f.commit()
    }
}

/// A failure writing an output file.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}
