import CelestaIR
import Foundation
import XCTest

/// Paths of the test fixtures (Tests/Fixtures) and the repository, found from this file.
enum IRFixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = repository.appendingPathComponent("Tests/Fixtures")

    /// The graphs that have an `ir_roundtrip` case.
    static let talonGraphs = ["conv_snn", "kitchen_sink", "mlp_seed_backend", "recurrent_lif", "skip_mixed"]

    static var nirNames: [String] {
        let folder = root.appendingPathComponent("nir")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".nir") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Every HDF5 fixture file with its `hdf5_layout` list.
    static func hdf5Files() throws -> [(path: String, layout: [[String: Any]])] {
        try layoutSources().map { source in
            var json = try object(source.json)
            if let expected = json["expected"] as? [String: Any] { json = expected }
            return (source.file, json["hdf5_layout"] as! [[String: Any]])
        }
    }

    /// The fixture files and their JSON descriptions (relative to `root`).
    static func layoutSources() -> [(file: String, json: String)] {
        talonGraphs.map { (root.appendingPathComponent("talon/graphs/\($0).t1c").path, "talon/cases/ir_roundtrip.\($0).json") }
            + nirNames.map { (root.appendingPathComponent("nir/\($0).nir").path, "nir/\($0).json") }
    }

    /// The numeric `value`s of a layout list by object path, parsed exactly (Foundation's
    /// JSONSerialization can be off by an ulp; Celesta's parser rounds correctly).
    static func exactNumbers(_ relativeJSON: String) throws -> [String: [Double]] {
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent(relativeJSON)))
        var json = try JSONParser.parse(bytes, name: relativeJSON)
        if case .object(let members, _) = json, let expected = members["expected"] { json = expected }
        guard case .object(let members, _) = json, let layout = members["hdf5_layout"]?.elements else { return [:] }
        var out: [String: [Double]] = [:]
        for entry in layout {
            guard case .object(let fields, _) = entry, case .string(let path)? = fields["path"],
                  let value = fields["value"], let numbers = try? value.flatNumbers(path) else { continue }
            out[path] = numbers
        }
        return out
    }

    static func object(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The project venv's python with h5py, or nil.
    static var python: String? {
        var candidates = [repository.appendingPathComponent(".venv/bin/python").path]
        if let env = ProcessInfo.processInfo.environment["CELESTA_PYTHON"] { candidates.insert(env, at: 0) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && canImportH5py($0) }
    }

    private static func canImportH5py(_ python: String) -> Bool {
        (try? run(python, ["-c", "import h5py"]).status) == 0
    }

    /// Runs a program; returns its exit status and standard output.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a python script (with the file paths as arguments) that prints JSON.
    static func python(script: String, _ arguments: [String]) throws -> Any {
        guard let python else { throw XCTSkip("no python with h5py (run scripts/install-deps.sh)") }
        let result = try run(python, ["-c", script] + arguments)
        guard result.status == 0 else { throw CelestaError(.internalError, "python failed: \(result.output)") }
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    }

    /// A fresh temporary folder, removed at the end of the test.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-hdf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

extension HDF5Group {
    /// Every object below this group in pre-order (children in order), as absolute paths.
    func paths(prefix: String = "") -> [(path: String, node: HDF5Node)] {
        var out: [(String, HDF5Node)] = []
        for (name, node) in children {
            let p = prefix + "/" + name
            out.append((p, node))
            if case .group(let g) = node { out += g.paths(prefix: p) }
        }
        return out
    }
}
