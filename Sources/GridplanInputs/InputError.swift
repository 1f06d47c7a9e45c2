/// Why an input could not be used, as the user should hear it: one line naming the file (or the
/// option) and the reason.
public struct InputError: Error, CustomStringConvertible, Sendable {
    /// Whether the command line is at fault (a bad option value) or the data (a bad file).
    public enum Kind: Sendable {
        /// The command line asks for something impossible (exit 2).
        case usage
        /// The input data cannot be used as declared (exit 3).
        case badInput
    }

    public var message: String
    public var kind: Kind

    public init(_ message: String, kind: Kind = .badInput) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }
}
