import ArgumentParser
import Foundation
import QuireNotebook

/// `quire launch -n N -- CMD ARGS…`: runs a plain program on N ranks under Open MPI's `mpirun`, every
/// rank's output tagged `[rank r]`. `quire` replaces itself with `mpirun`, so signals, the exit status and
/// `mpirun`'s own report of a failed rank ("process rank 1 … exited on signal 9") are `mpirun`'s.
struct Launch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a program on N processes under Open MPI's mpirun.",
        discussion: """
            Example: quire launch -n 2 -- .build/release/quire bench allreduce. Local runs oversubscribe the \
            cores; --hostfile runs across machines (see ARCHITECTURE.md, "Distributed").
            """)

    @Option(name: .customShort("n"), help: ArgumentHelp("The number of processes.", valueName: "n")) var ranks: Int
    @Option(help: ArgumentHelp("mpirun's hostfile: the machines to run on.", valueName: "file")) var hostfile: String?
    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments (after --).") var command: [String] = []

    func run() throws {
        let program = command.first == "--" ? Array(command.dropFirst()) : command
        guard !program.isEmpty else { throw ValidationError("name the program to run after --") }
        let launcher: MPILauncher
        do throws(NotebookError) { launcher = try MPILauncher(ranks: ranks, hostfile: hostfile) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        var env = launcher.environment()
        env["QUIRE_TAG_ALL_RANKS"] = "1"
        for (k, v) in env { setenv(k, v, 1) }
        let (executable, arguments) = launcher.command(program)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        execv(executable, argv)
        FileHandle.standardError.write(Data("quire launch: cannot start \(executable): \(String(cString: strerror(errno)))\n".utf8))
        throw ExitCode(2)
    }
}
