import Foundation
import GridplanCRS

/// One input as the user names it on the command line: a file or a store layer, optionally with
/// the CRS of that input alone, written `FILE@CRS` (`--households buildings.geojson@gcj02`).
///
/// A name that is itself an existing file (or a store layer) is never split, so a file whose
/// name holds an `@` still reads. Otherwise the text is cut at the first `@` whose left side is
/// an existing file or store layer; the rest is the CRS (it may hold `@` itself, as PROJ's
/// `+nadgrids=@null` does).
public struct InputReference: Sendable, Equatable, CustomStringConvertible {
    /// The file path or store layer name.
    public var name: String
    /// The CRS declared for this input alone, as typed.
    public var declaredCRS: String?

    public init(name: String, declaredCRS: String? = nil) {
        self.name = name
        self.declaredCRS = declaredCRS
    }

    /// Splits `text` into a name and a per-input CRS.
    /// - Parameter isName: whether a string names an input that exists (a file, or a layer of
    ///   the store in use).
    public init(parsing text: String, isName: (String) -> Bool) {
        if isName(text) || !text.contains("@") {
            self.init(name: text)
            return
        }
        var index = text.startIndex
        while let at = text[index...].firstIndex(of: "@") {
            let left = String(text[..<at])
            if !left.isEmpty && isName(left) {
                self.init(name: left, declaredCRS: String(text[text.index(after: at)...]))
                return
            }
            index = text.index(after: at)
        }
        // Nothing before an `@` exists: the last `@` is the most likely cut, and the error that
        // follows names the file that is missing.
        let at = text.lastIndex(of: "@")!
        self.init(name: String(text[..<at]), declaredCRS: String(text[text.index(after: at)...]))
    }

    public var description: String { declaredCRS.map { "\(name)@\($0)" } ?? name }
}
