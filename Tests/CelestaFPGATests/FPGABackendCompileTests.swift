import CelestaFPGA
import CelestaIR
import XCTest

/// The fpga backend's compile: TALON's hls4ml descriptor (reference README §18).
final class FPGABackendCompileTests: XCTestCase {
    static func t(_ values: [Float], _ shape: [Int]) -> IRValue { .tensor(try! Tensor(float32: values, shape: shape)) }

    /// in [1, 6, 6] -> conv (4x1x3x3, padding 1) -> pool (2) -> flat -> fc (10 x 36) -> lif -> out.
    func convNet() throws -> IRGraph {
        var g = try IRGraph()
        func add(_ name: String, _ type: String, _ fields: IRDict, from: String?, input: PortShapes? = nil, output: PortShapes? = nil) throws {
            try g.add(try IRNode.make(name: name, type: type, fields: fields, inputType: input, outputType: output))
            if let from { g.connect(from, name) }
        }
        try add("in", "Input", [:], from: nil, input: PortShapes("input", [1, 6, 6]))
        try add("conv", "Conv2d", ["weight": Self.t([Float](repeating: 0.1, count: 36), [4, 1, 3, 3]), "bias": Self.t([0, 0, 0, 0], [4]),
                                   "padding": .int(1), "weight_t": .string("ap_fixed<8,2>"), "reuse_factor": .int(3)],
                from: "in", input: PortShapes("input", [1, 6, 6]))
        try add("pool", "MaxPool2d", ["kernel_size": .int(2)], from: "conv", input: PortShapes("input", [4, 6, 6]))
        try add("flat", "Flatten", [:], from: "pool", input: PortShapes("input", [4, 3, 3]))
        try add("fc", "Affine", ["weight": Self.t([Float](repeating: 0.5, count: 360), [10, 36]), "bias": Self.t([Float](repeating: 0, count: 10), [10])],
                from: "flat")
        try add("lif", "LIF", ["tau": Self.t([Float](repeating: 4, count: 10), [10]), "r": Self.t([Float](repeating: 1, count: 10), [10]),
                               "v_leak": Self.t([Float](repeating: 0, count: 10), [10]), "v_threshold": Self.t([Float](repeating: 0.75, count: 10), [10])],
                from: "fc")
        try add("out", "Output", [:], from: "lif", output: PortShapes("output", [10]))
        return g
    }

    func testDescriptorIsTheHLS4MLConfiguration() throws {
        var o = BackendCompileOptions()
        o.settings = ["project_name": .string("snn"), "clock_period": .float(4.5),
                      "bitstream": .dict(["csim": .bool(true), "synth": .bool(true), "cosim": .bool(false), "export": .bool(true),
                                          "vsynth": .bool(false), "bitfile": .bool(false)])]
        let d = try FPGABackend().compile(try convNet(), options: o)
        guard case .dict(let config)? = d.metadata["hls4ml_config"], case .list(let layers)? = config["Layers"] else { return XCTFail("no config") }
        XCTAssertEqual(config.keys, ["OutputDir", "ProjectName", "Part", "ClockPeriod", "IOType", "Backend", "PytorchModel", "InputShape", "HLSConfig", "Layers"])
        XCTAssertEqual(config["ProjectName"], .string("snn"))
        XCTAssertEqual(config["ClockPeriod"], .float(4.5))
        XCTAssertEqual(config["InputShape"], .list([.int(1), .int(6), .int(6)]))
        XCTAssertEqual(layers.count, 5)
        XCTAssertEqual(layers[0], .dict(["class_name": .string("Conv2D"), "name": .string("conv"), "n_filt": .int(4), "filt_height": .int(3),
                                         "filt_width": .int(3), "stride_height": .int(1), "stride_width": .int(1), "padding_height": .int(1),
                                         "padding_width": .int(1), "n_in": .int(1), "weight_t": .string("ap_fixed<8,2>"), "reuse_factor": .int(3)]))
        XCTAssertEqual(layers[1], .dict(["class_name": .string("Pooling2D"), "name": .string("pool"), "pool_height": .int(2), "pool_width": .int(2),
                                         "stride_height": .int(2), "stride_width": .int(2), "padding_height": .int(0), "padding_width": .int(0),
                                         "pool_layer": .string("Max")]))
        XCTAssertEqual(layers[2], .dict(["class_name": .string("Reshape"), "name": .string("flat"), "target_shape": .list([.int(36)])]))
        XCTAssertEqual(layers[3], .dict(["class_name": .string("Dense"), "name": .string("fc"), "n_in": .int(36), "n_out": .int(10)]))
        XCTAssertEqual(layers[4], .dict(["class_name": .string("H_LIF"), "name": .string("lif"), "n_in": .int(10), "n_out": .int(10),
                                         "threshold": .float(0.75), "leak": .float(0.75)]))
        guard case .dict(let hls)? = config["HLSConfig"] else { return XCTFail("no HLSConfig") }
        XCTAssertEqual(hls["LayerName"], .dict(["conv": .dict(["Precision": .dict(["weight": .string("ap_fixed<8,2>")]), "ReuseFactor": .int(3)])]))
        XCTAssertEqual(hls["Model"], .dict(["Precision": .string("ap_fixed<16,6>"), "ReuseFactor": .int(1), "Strategy": .string("Latency")]))
        XCTAssertEqual(d.metadata.keys, ["backend", "hls4ml_config", "template_paths", "target_parts", "bitstream"])
        guard case .dict(let bit)? = d.metadata["bitstream"] else { return XCTFail("no bitstream") }
        XCTAssertEqual(bit["config"], .dict(["csim": .bool(true), "synth": .bool(true), "cosim": .bool(false), "export": .bool(true),
                                             "vsynth": .bool(false), "bitfile": .bool(false)]))
        // TALON's: the scripts' texts (Celesta's own scripts)
        XCTAssertTrue(bit["build_script"]?.string?.contains("Build script of the FPGA project snn") ?? false)
        XCTAssertTrue(bit["tcl_script"]?.string?.contains("create_clock -period 4.5 -name default") ?? false)
    }

    func testInvalidGraphsAndSettingsAreRefused() throws {
        var g = try convNet()
        try g.add(try IRNode.make(name: "spk", type: "IF", fields: ["v_threshold": Self.t([1], [1])]))
        XCTAssertThrowsError(try FPGABackend().compile(g, options: BackendCompileOptions())) { e in
            XCTAssertEqual((e as? CelestaError)?.message,
                           "Graph validation failed: ['spk']. Supported: ['Affine', 'AvgPool2d', 'BatchNorm2d', 'Conv1d', 'Conv2d', 'Flatten', 'LIF', 'MaxPool2d', 'ReLU', 'Sigmoid']")
        }
        for (key, value) in [("strategy", IRValue.int(1)), ("default_reuse_factor", .string("x")), ("clock_period", .string("5")), ("bitstream", .int(1)), ("speed", .int(1))] {
            var o = BackendCompileOptions()
            o.settings[key] = value
            XCTAssertThrowsError(try FPGABackend().compile(try convNet(), options: o), key) { e in
                XCTAssertEqual((e as? CelestaError)?.code, .invalidArgument)
                XCTAssertTrue((e as? CelestaError)?.message.contains("'\(key)'") ?? false, "\(e)")
            }
        }
    }

    func testCapabilitiesAreTalons() {
        let c = FPGABackend().capabilities
        XCTAssertEqual(c.primitives, ["Affine", "AvgPool2d", "BatchNorm2d", "Conv1d", "Conv2d", "Flatten", "LIF", "MaxPool2d", "ReLU", "Sigmoid"])
        XCTAssertEqual(c.maxGraphSize, 50000)
        XCTAssertFalse(c.supportsCyclic)
        XCTAssertEqual(c.constraints["Conv1d"], [BackendLimit("max_kernel_size", 128), BackendLimit("max_channels", 2048)])
    }
}
