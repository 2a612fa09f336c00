import CelestaFPGA
import CelestaIR
import FoundationEssentials
import XCTest

/// The fpga backend's build_bitstream (TALON's, reference README §18): TALON's parameters.h and
/// hls4ml_config.json byte for byte (expected texts from TALON 0.0.3 on this graph), the result
/// and the files in TALON's order, and the folder rules (atomic write, refusal, overwrite,
/// TALON's merge, a failure that leaves nothing). The shared fpga cases and Celesta's headers
/// compiled with g++ are tested in bindings/python/tests/test_backend_bitstream.py.
final class BitstreamTests: XCTestCase {
    /// in [3] -> fc (2x3, one zero weight, reuse 2) -> lif (tau 8, thresholds 0.5, 1) -> out.
    static func net() throws -> IRGraph {
        func t(_ v: [Float], _ shape: [Int]) -> IRValue { .tensor(try! Tensor(float32: v, shape: shape)) }
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "in", type: "Input", fields: [:], inputType: PortShapes("input", [3]), outputType: PortShapes("output", [3])))
        try g.add(try IRNode.make(name: "fc", type: "Affine", fields: ["weight": t([0.9, 0, 0.5, 0.3, 0.8, 0.6], [2, 3]), "bias": t([0, 0], [2]),
                                                                       "reuse_factor": .int(2)]))
        try g.add(try IRNode.make(name: "lif", type: "LIF", fields: ["tau": t([8, 8], [2]), "r": t([1, 1], [2]), "v_leak": t([0, 0], [2]),
                                                                     "v_threshold": t([0.5, 1], [2])]))
        try g.add(try IRNode.make(name: "out", type: "Output", fields: [:], outputType: PortShapes("output", [2])))
        g.connect("in", "fc")
        g.connect("fc", "lif")
        g.connect("lif", "out")
        return g
    }

    static func options(_ dir: String) -> BackendCompileOptions {
        var o = BackendCompileOptions()
        o.settings = ["output_dir": .string(dir), "project_name": .string("snn"), "clock_period": .int(4), "io_type": .string("io_parallel"),
                      "bitstream": BitstreamConfig(csim: true, synth: true, cosim: false, export: true, vsynth: false, bitfile: false).value]
        return o
    }

    static let talonParameters = """
    #ifndef PARAMETERS_H_
    #define PARAMETERS_H_

    #include "ap_fixed.h"
    #include "ap_int.h"
    #include "nnet_utils/nnet_common.h"
    #include "nnet_utils/nnet_helpers.h"
    #include "nnet_utils/nnet_activation.h"
    #include "nnet_utils/nnet_dense.h"
    #include "nnet_utils/nnet_conv2d.h"
    #include "nnet_utils/nnet_pooling.h"
    #include "nnet_utils/nnet_batchnorm.h"
    #include "nnet_utils/complex_lif.h"

    typedef ap_fixed<16,6> model_default_t;

    struct config1 : nnet::dense_config {
        static const unsigned n_in = 3;
        static const unsigned n_out = 2;
        static const unsigned io_type = nnet::io_parallel;
        static const unsigned reuse_factor = 2;
        static const unsigned n_zeros = 0;
        static const unsigned n_nonzeros = 5;
        static const bool store_weights_in_bram = false;
        typedef ap_fixed<16,6> accum_t;
        typedef model_default_t bias_t;
        typedef ap_fixed<16,6> weight_t;
        typedef ap_uint<1> index_t;
    };  // fc

    struct config2 : nnet::lif_config {
        static const unsigned n_in = 2;
        static const unsigned n_out = 2;
        static constexpr float threshold = 0.5f;
        static constexpr float leak = 0.875000f;
    };  // lif

    #endif
    """

    static let talonConfigJSON = """
    {
      "OutputDir": "prj",
      "ProjectName": "snn",
      "Part": "xczu9eg-ffvb1156-2-i",
      "ClockPeriod": 4,
      "IOType": "io_parallel",
      "Backend": "Vivado",
      "HLSConfig": {
        "Model": {
          "Precision": "ap_fixed<16,6>",
          "ReuseFactor": 1,
          "Strategy": "Latency"
        },
        "LayerName": {
          "fc": {
            "ReuseFactor": 2
          }
        },
        "InputShape": "None, 3"
      },
      "PytorchModel": "./model.pt"
    }
    """

    var scratch = ""

    override func setUpWithError() throws {
        scratch = "/tmp/celesta-bitstream-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    func read(_ path: String) -> String? { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } }
    func write(_ text: String, _ path: String) -> Bool { FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    func testTalonFilesAndResultInTalonOrder() throws {
        let r = try FPGABackend().buildBitstream(try Self.net(), options: Self.options("prj"))
        XCTAssertEqual(r.parametersH, Self.talonParameters)
        XCTAssertEqual(r.files.map(\.path), ["firmware/parameters.h"] + FPGABackend.templatePaths + ["build.py", "build_prj.tcl", "hls4ml_config.json"])
        XCTAssertEqual(r.files.last?.text, Self.talonConfigJSON)
        XCTAssertNil(r.writtenFiles)
        guard case .dict(let v) = r.value else { return XCTFail("not a dict") }
        XCTAssertEqual(v.keys, ["hls4ml_config", "parameters_h", "build_script", "tcl_script", "template_paths", "descriptor"])
        XCTAssertEqual(r.hls4mlConfig["Layers"], .list([
            .dict(["class_name": .string("Dense"), "name": .string("fc"), "n_in": .int(3), "n_out": .int(2), "reuse_factor": .int(2)]),
            .dict(["class_name": .string("H_LIF"), "name": .string("lif"), "n_in": .int(2), "n_out": .int(2), "threshold": .float(0.5), "leak": .float(0.875)]),
        ]))
        guard case .dict(let bit)? = r.descriptor.metadata["bitstream"] else { return XCTFail("no bitstream entry") }
        XCTAssertEqual(bit["build_script"], .string(r.buildScript))
        XCTAssertEqual(bit["tcl_script"], .string(r.tclScript))
        XCTAssertTrue(r.tclScript.contains("array set opt {csim 1 synth 1 cosim 0 export 1 vsynth 0 bitfile 0}"), r.tclScript)
        XCTAssertTrue(r.tclScript.contains("create_clock -period 4 -name default\nset_clock_uncertainty 0.50\n"), r.tclScript)
        XCTAssertTrue(r.buildScript.contains("\"csim\": True, \"synth\": True, \"cosim\": False, \"export\": True"), r.buildScript)
        // TALON's defaults when no flags are given: everything but csim
        var o = Self.options("prj")
        o.settings["bitstream"] = IRValue.none
        let d = try FPGABackend().buildBitstream(try Self.net(), options: o)
        XCTAssertTrue(d.tclScript.contains("array set opt {csim 0 synth 1 cosim 0 export 1 vsynth 1 bitfile 1}"), d.tclScript)
        // compile with the same flags carries the same scripts
        let c = try FPGABackend().compile(try Self.net(), options: Self.options("prj"))
        XCTAssertEqual(c.metadata["bitstream"], r.descriptor.metadata["bitstream"])
    }

    func testWrittenAtomicallyWithTalonsPaths() throws {
        let dir = "\(scratch)/prj"
        let r = try FPGABackend().buildBitstream(try Self.net(), options: Self.options(dir), writeToDisk: true)
        XCTAssertEqual(r.writtenFiles, r.files.map { "\(dir)/\($0.path)" })
        for (path, text) in r.files { XCTAssertEqual(read("\(dir)/\(path)"), text, path) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["prj"])
        let slash = try FPGABackend().buildBitstream(try Self.net(), options: Self.options("\(scratch)/other/"), writeToDisk: true)
        XCTAssertEqual(slash.writtenFiles?.first, "\(scratch)/other/firmware/parameters.h")

        // not empty: refused, untouched; TALON's mode writes into it; overwrite replaces it
        XCTAssertTrue(write("keep", "\(dir)/mine.txt"))
        XCTAssertThrowsError(try FPGABackend().buildBitstream(try Self.net(), options: Self.options(dir), writeToDisk: true)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .invalidArgument)
            XCTAssertTrue("\(e)".contains("not empty"), "\(e)")
        }
        _ = try FPGABackend().buildBitstream(try Self.net(), options: Self.options(dir), writeToDisk: true, talonCompatible: true)
        XCTAssertEqual(read("\(dir)/mine.txt"), "keep")
        _ = try FPGABackend().buildBitstream(try Self.net(), options: Self.options(dir), writeToDisk: true, overwrite: true)
        XCTAssertNil(read("\(dir)/mine.txt"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), ["other", "prj"])
    }

    func testFailedWriteLeavesNothing() throws {
        XCTAssertTrue(write("x", "\(scratch)/file"))
        XCTAssertThrowsError(try FPGABackend().buildBitstream(try Self.net(), options: Self.options("\(scratch)/file/prj"), writeToDisk: true)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .io)
            XCTAssertTrue("\(e)".contains("\(scratch)/file/prj"), "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["file"])
        XCTAssertEqual(read("\(scratch)/file"), "x")
        XCTAssertThrowsError(try FPGABackend().buildBitstream(try Self.net(), options: Self.options(""), writeToDisk: true)) { e in
            XCTAssertTrue("\(e)".contains("'output_dir'"), "\(e)")
        }
    }

    func testTemplatesAreCelestasOwnAndSelfContained() throws {
        let r = try FPGABackend().buildBitstream(try Self.net(), options: Self.options("prj"))
        for (path, text) in r.files where path.hasPrefix("firmware/nnet_utils/") {
            XCTAssertTrue(text.contains("#include \"ap_fixed.h\"") && !text.contains("nnet_common.h"), path)
            XCTAssertTrue(text.contains("Celesta's kernel") && text.contains("struct lif_config"), path)
        }
    }
}
