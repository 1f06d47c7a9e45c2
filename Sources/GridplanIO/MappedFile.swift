import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file mapped read-only into memory (`mmap`), unmapped exactly once in `deinit`.
///
/// Pages are read from the file as they are touched and count towards the process's resident
/// memory until they are given back: a reader that goes through the file once calls
/// ``release(before:)`` as it goes, so a 3 GB GeoJSON costs a few MB of resident memory rather
/// than 3 GB. Released pages stay valid: touching them again reads them from the file again.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    private let base: UnsafeMutableRawPointer?
    private let length: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Offset below which pages have been given back.
    private var released = 0

    /// Maps `path`; an empty file maps to an empty buffer.
    /// - Throws: ``GeoJSONError`` with "no such file" or the system's reason.
    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason =
                errno == ENOENT ? "no such file" : "cannot read the file (\(String(cString: strerror(errno))))"
            throw GeoJSONError(file: path, reason: reason)
        }
        defer { close(fd) }
        var info = stat()
        // -1 on failure, with errno
        guard fstat(fd, &info) == 0 else {
            throw GeoJSONError(file: path, reason: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GeoJSONError(file: path, reason: "cannot read the file (not a regular file)")
        }
        length = Int(info.st_size)
        guard length > 0 else {
            base = nil
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        // MAP_FAILED on failure, with errno
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw GeoJSONError(file: path, reason: "cannot map the file (\(String(cString: strerror(errno))))")
        }
        // Advice only: the kernel reads ahead further; a failure changes nothing.
        _ = madvise(mapped, length, Int32(MADV_SEQUENTIAL))
        base = mapped
        bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length)
    }

    deinit {
        if let base { munmap(base, length) }
    }

    /// Gives back the whole pages that lie before `offset` (`MADV_DONTNEED`), once the reader
    /// has passed them. Cheap to call often: nothing happens until a few MB have gone by.
    func release(before offset: Int) {
        guard let base else { return }
        let end = min(offset, length) / Self.pageSize * Self.pageSize
        guard end - released >= 4 << 20 else { return }
        // Advice on pages of our own private, unwritten mapping; a failure only keeps them resident.
        _ = madvise(base + released, end - released, Int32(MADV_DONTNEED))
        released = end
    }
}
