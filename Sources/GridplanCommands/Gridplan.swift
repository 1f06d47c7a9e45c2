import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanPostgres
import GridplanSQLite
import GridplanStore

/// The `gridplan` command: parses arguments and hands off to the library.
public struct Gridplan: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "gridplan",
        abstract: "Plan, check and repair city management grids (网格化管理).",
        discussion: """
            Exit codes: 0 success; 1 unexpected failure; 2 bad command line; 3 bad input data \
            (file, feature and reason named on stderr); 4 an output could not be written \
            (nothing was changed); 5 the store is busy.
            """,
        version:
            "gridplan \(version) (GEOS \(GEOSContext.geosVersion), PROJ \(CRS.projVersion), SQLite \(Database.sqliteVersion))",
        subcommands: [
            Info.self, Convert.self, Init.self, Import.self, Layers.self, Export.self, Check.self, Repair.self,
            Partition.self, Assign.self, Metrics.self, Cases.self, Roster.self, Locate.self, FrontageCommand.self,
            Sample.self, Report.self,
        ]
    )

    public init() {}

    /// Runs the command line `arguments` (without the program name) with output going to
    /// `Console.current`, and returns the exit code. Never exits the process.
    public static func execute(_ arguments: [String]) -> Int32 {
        let console = Console.current
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let failure as CommandFailure {
            console.err("gridplan: \(failure.message)\n")
            return failure.exitCode.rawValue
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                // --help and --version land here.
                console.out(message + "\n")
                return 0
            }
            if code == .validationFailure || code.rawValue == 64 {
                console.err(message + "\n")
                return GridplanExit.usage.rawValue
            }
            console.err("gridplan: \(CommandFailure(error).message)\n")
            return CommandFailure(error).exitCode.rawValue
        }
    }

    /// The process entry point.
    public static func mainEntry() -> Never {
        // A full disk or a file-size limit must surface as a write error (and a clean exit that
        // removes the temporary file), not as a signal that kills the process mid-write.
        signal(SIGXFSZ, SIG_IGN)
        Foundation.exit(execute(Array(CommandLine.arguments.dropFirst())))
    }
}

/// Exit codes, documented in `gridplan --help`.
public enum GridplanExit: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    case badInput = 3
    case outputFailed = 4
    case busy = 5
}

/// An error as the user sees it: one line and an exit code.
public struct CommandFailure: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: GridplanExit

    public init(_ message: String, exitCode: GridplanExit) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Classifies a library error.
    public init(_ error: Error) {
        switch error {
        case let e as CommandFailure: self = e
        case let e as GeoJSONError: self.init(e.description, exitCode: .badInput)
        case let e as CRSError: self.init(e.description, exitCode: .badInput)
        case let e as GeometryError: self.init(e.description, exitCode: .badInput)
        case let e as OutputError: self.init(e.description, exitCode: .outputFailed)
        case let e as DatabaseError:
            if e.isReadOnly {
                self.init(
                    "the store cannot be written (read-only file or directory): \(e.message)", exitCode: .outputFailed)
            } else if e.code == 13 /* SQLITE_FULL */ {
                self.init("the disk is full; the store is unchanged: \(e.message)", exitCode: .outputFailed)
            } else {
                self.init(
                    e.description, exitCode: e.isBusy ? .busy : (e.code == 11 || e.code == 26 ? .badInput : .failure))
            }
        case let e as StoreError: self.init(e.description, exitCode: .badInput)
        case let e as PostgresError:
            if e.isPermissionDenied || e.isReadOnly {
                self.init(
                    "the store cannot be written (this role may not write it): \(e.message)", exitCode: .outputFailed)
            } else if e.isBusy {
                self.init("store is busy (another gridplan is writing the same layer): \(e.message)", exitCode: .busy)
            } else if e.isConnectionFailure {
                self.init("the store's database cannot be reached: \(e.message)", exitCode: .badInput)
            } else {
                self.init(e.description, exitCode: .failure)
            }
        case let e as InputError: self.init(e.message, exitCode: e.kind == .usage ? .usage : .badInput)
        case let e as ShapefileError: self.init(e.description, exitCode: .badInput)
        case let e as CSVError: self.init(e.description, exitCode: .badInput)
        case let e as Open311Error: self.init(e.description, exitCode: .badInput)
        case let e as CaseInputError: self.init(e.description, exitCode: .badInput)
        case let e as CaseTimeError: self.init(e.description, exitCode: .usage)
        default: self.init(String(describing: error), exitCode: .failure)
        }
    }

    public var description: String { message }
}

/// Options every command shares.
public struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON on stdout instead of text.")
    public var json = false

    @Flag(name: .long, help: "No progress or notes on stderr; errors are still printed.")
    public var quiet = false

    public init() {}

    /// Applies `--quiet` to the console.
    public func apply() {
        Console.current.quiet = quiet
    }
}
