import CelestaFPGA
import CelestaIR
import Dispatch
import Foundation
import XCTest

/// The generated C++, compiled with g++, against the Swift simulator: every shared case and
/// random small networks (the differential test).
final class HLSProjectTests: XCTestCase {
    private var scratch: String = ""

    override func setUp() {
        scratch = NSTemporaryDirectory() + "celesta-hls-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: scratch) }

    private func requireToolchain() throws {
        do {
            _ = try HLSToolchain.findCompiler()
            _ = try HLSToolchain.findAPTypes()
        } catch {
            throw XCTSkip("no C++ toolchain for the C simulation: \(error)")
        }
    }

    /// Results of concurrent C simulations.
    private final class Results: @unchecked Sendable {
        let lock = NSLock()
        var byID: [String: (output: [[Double]], trace: HLSTrace?)] = [:]
        var failures: [String] = []
        func add(_ id: String, _ r: (output: [[Double]], trace: HLSTrace?)) { lock.lock(); byID[id] = r; lock.unlock() }
        func fail(_ s: String) { lock.lock(); failures.append(s); lock.unlock() }
    }

    /// Generates, compiles and runs every model (two compilations at a time).
    private func csim(_ models: [(String, HLSModel, [[Double]])]) throws -> [String: (output: [[Double]], trace: HLSTrace?)] {
        let results = Results()
        let base = scratch
        DispatchQueue.concurrentPerform(iterations: models.count) { i in
            let (id, model, input) = models[i]
            do {
                let dir = "\(base)/\(id)"
                try HLSProject.write(model, to: dir)
                try HLSToolchain.compile(project: dir, optimization: 0)
                results.add(id, try HLSToolchain.runCSim(project: dir, inputs: input, trace: true))
            } catch {
                results.fail("\(id): \(error)")
            }
        }
        for f in results.failures { XCTFail(f) }
        return results.byID
    }

    private func assertSame(_ id: String, _ got: (output: [[Double]], trace: HLSTrace?), _ want: (output: [[Double]], trace: HLSTrace?)) {
        if let d = firstDifference(got.output, want.output) { XCTFail("\(id) output: \(d)") }
        guard let g = got.trace, let w = want.trace else { return XCTFail("\(id): no trace") }
        XCTAssertEqual(g.order, w.order, id)
        for layer in w.order {
            XCTAssertEqual(g.keys(layer), w.keys(layer), "\(id) \(layer)")
            for key in w.keys(layer) {
                if let d = firstDifference(g.layers[layer]?[key] ?? [], w.layers[layer]![key]!) { XCTFail("\(id) \(layer).\(key): \(d)") }
            }
        }
    }

    /// Every case with CELESTA_HLS_ALL_CASES=1 (about a minute on 2 cores); by default a set that
    /// covers every feature (membrane binary logit, ap_uint<1> spikes and 3 layers, AP_WRAP
    /// <8,3>, mixed and unsigned types, AP_RND/AP_SAT with the resource strategy, io_parallel
    /// IF with vector thresholds, and a readout in io_parallel), to keep `make test` short.
    static let allCases = ProcessInfo.processInfo.environment["CELESTA_HLS_ALL_CASES"] == "1"
    static let coveringCases = ["S09", "S11", "S13", "S14", "S15", "S18"]

    func testGeneratedCppEqualsSimulatorAndCsimOnEveryCase() throws {
        try requireToolchain()
        let cases = try HLSCase.all().filter { Self.allCases || Self.coveringCases.contains(String($0.id.prefix(3))) }
        var models: [(String, HLSModel, [[Double]])] = []
        for c in cases { models.append((c.id, try c.model(), c.input)) }
        // A readout in an io_parallel project (which hls4ml cannot compile): same numbers.
        let s01 = try HLSCase(file: "S01_lif_8-16-4_sub_scalar_argmax_w10.json")
        var parallel = try s01.model()
        parallel.ioType = .parallel
        models.append(("S01-io_parallel", parallel, s01.input))
        let got = try csim(models)
        if let g = got["S01-io_parallel"] {
            XCTAssertEqual(g.output, s01.expected("csim").output)
            let sim = FixedSimulator(parallel).run(s01.input, trace: true)
            assertSame("S01-io_parallel", g, (sim.output, sim.trace))
        }
        for (c, (_, model, input)) in zip(cases, models) {
            guard let g = got[c.id] else { continue }
            let sim = FixedSimulator(model).run(input, trace: true)
            assertSame(c.id, g, (sim.output, sim.trace))
            if let d = firstDifference(g.output, c.expected("csim").output) { XCTFail("\(c.id) vs hls4ml: \(d)") }
        }
    }

    /// Random small networks: random widths, neuron kinds, resets, windows, readouts and
    /// types (every quantization and overflow mode), spike and real inputs.
    func testGeneratedCppEqualsSimulatorOnRandomNetworks() throws {
        try requireToolchain()
        var rng = SystemRandomNumberGenerator()
        var models: [(String, HLSModel, [[Double]])] = []
        for k in 0..<(Self.allCases ? 6 : 3) {
            let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
            let (m, x) = RandomNetwork.make(seed: seed)
            models.append(("rand\(k)-seed\(seed)", m, x))
        }
        let got = try csim(models)
        for (id, model, input) in models {
            guard let g = got[id] else { continue }
            let sim = FixedSimulator(model).run(input, trace: true)
            assertSame("\(id) \(RandomNetwork.describe(model))", g, (sim.output, sim.trace))
        }
    }

    func testProjectLayoutAndRefusals() throws {
        let c = try HLSCase(file: "S14_lif_12-20-5_mixedprec_rf2_w10.json")
        let model = try c.model()
        let dir = "\(scratch)/p"
        let r = try HLSProject.write(model, to: dir)
        for f in ["firmware/myproject.cpp", "firmware/myproject.h", "firmware/defines.h", "firmware/parameters.h",
                  "firmware/weights/w2.txt", "firmware/weights/w2.h", "firmware/weights/be3.txt", "myproject_test.cpp",
                  "myproject_bridge.cpp", "build_lib.sh", "build_prj.tcl", "firmware/celesta/celesta_snn.h"] {
            XCTAssertTrue(r.files.contains(f), f)
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(f)"), f)
        }
        let defines = try String(contentsOfFile: "\(dir)/firmware/defines.h", encoding: .utf8)
        XCTAssertTrue(defines.contains("typedef ap_ufixed<8,0> lif1_beta_t;"), defines)
        XCTAssertTrue(defines.contains("typedef celesta::array<ap_fixed<16,6>, 12> input_t;"), defines)
        // not empty: refused, and left as it was
        XCTAssertThrowsError(try HLSProject.write(model, to: dir)) { e in
            XCTAssertTrue("\(e)".contains("not empty") && "\(e)".contains("overwrite"), "\(e)")
        }
        try "mine".write(toFile: "\(dir)/note.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HLSProject.write(model, to: dir))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/note.txt"))
        try HLSProject.write(model, to: dir, overwrite: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/note.txt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/build_prj.tcl"))
        // no temporary folders left behind
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch).filter { $0.hasPrefix(".celesta") }
        XCTAssertEqual(left, [])
    }

    func testWeightsTextIsFDigitDecimals() throws {
        let c = try HLSCase(file: "S13_lif_8-16-6_p8_wrap_argmax_w10.json")
        let dir = "\(scratch)/p"
        try HLSProject.write(try c.model(), to: dir)
        let text = try String(contentsOfFile: "\(dir)/firmware/weights/w2.txt", encoding: .utf8)
        let tokens = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" })
        XCTAssertEqual(tokens.count, 8 * 16)
        for t in tokens { XCTAssertEqual(t.split(separator: ".").last?.count, 5, String(t)) }   // ap_fixed<8,3>: F = 5
    }

    func testMissingAPTypesAndCompilerSayHowToFixIt() {
        XCTAssertThrowsError(try HLSToolchain.findAPTypes("/nonexistent/folder")) { e in
            XCTAssertTrue("\(e)".contains("hls4ml==1.3.0") && "\(e)".contains("/nonexistent/folder"), "\(e)")
        }
        setenv("CXX", "celesta-no-such-compiler", 1)
        defer { unsetenv("CXX") }
        XCTAssertThrowsError(try HLSToolchain.findCompiler()) { e in
            XCTAssertTrue("\(e)".contains("apt-get install g++") && "\(e)".contains("celesta-no-such-compiler"), "\(e)")
        }
    }
}
