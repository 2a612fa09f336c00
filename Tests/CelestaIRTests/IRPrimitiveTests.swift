import CelestaIR
import XCTest

/// The primitives' constructor checks and inferred shapes against TALON's (shared cases
/// `ir_validation.*`, `ir_shapes.*`), and Celesta's corrections.
final class IRPrimitiveTests: XCTestCase {
    func f32(_ shape: [Int], _ value: Float = 0.5) throws -> IRValue {
        .tensor(try Tensor(float32: [Float](repeating: value, count: shape.reduce(1, *)), shape: shape))
    }

    func make(_ type: String, _ fields: IRDict, input: [Int]? = nil, mode: IRMode) throws -> IRNode {
        try IRNode.make(name: "n", type: type, fields: fields, inputType: input.map { PortShapes("input", $0) }, mode: mode)
    }

    /// The constructors of `ir_shapes.inference_a`, by its labels.
    func shapeCases(mode: IRMode) throws -> [String: IRNode] {
        let pair = { (a: Int, b: Int) in IRValue.tuple([.int(a), .int(b)]) }
        return [
            "Conv2d(w 4x2x3x3, pad 1, input [2,8,8])": try make("Conv2d", ["weight": f32([4, 2, 3, 3]), "bias": f32([4]), "padding": pair(1, 1)], input: [2, 8, 8], mode: mode),
            "Conv2d(w 4x2x3x3, no input_type)": try make("Conv2d", ["weight": f32([4, 2, 3, 3]), "bias": f32([4])], mode: mode),
            "Conv1d(w 4x2x3, stride 2, pad 1, input [2,10])": try make("Conv1d", ["weight": f32([4, 2, 3]), "bias": f32([4]), "stride": .int(2), "padding": .int(1)], input: [2, 10], mode: mode),
            "SepConv2d(dw 2x1x3x3, pw 8x2x1x1, pad 1, input [2,35,35])": try make(
                "SepConv2d", ["depthwise_weight": f32([2, 1, 3, 3]), "pointwise_weight": f32([8, 2, 1, 1]), "padding": pair(1, 1)], input: [2, 35, 35], mode: mode),
            "SepConv2d(stride (2,2), input [2,9,9])": try make(
                "SepConv2d", ["depthwise_weight": f32([2, 1, 3, 3]), "pointwise_weight": f32([8, 2, 1, 1]), "stride": pair(2, 2)], input: [2, 9, 9], mode: mode),
            "MaxPool2d(k2, input [8,34,34])": try make("MaxPool2d", ["kernel_size": pair(2, 2)], input: [8, 34, 34], mode: mode),
            "MaxPool2d(k3 s2 p1 ceil, input [8,10,10])": try make(
                "MaxPool2d", ["kernel_size": pair(3, 3), "stride": pair(2, 2), "padding": pair(1, 1), "ceil_mode": .bool(true)], input: [8, 10, 10], mode: mode),
            "MaxPool2d(k3 s2 p1, input [8,10,10])": try make(
                "MaxPool2d", ["kernel_size": pair(3, 3), "stride": pair(2, 2), "padding": pair(1, 1)], input: [8, 10, 10], mode: mode),
            "AvgPool2d(k2 s1, input [4,8,8])": try make("AvgPool2d", ["kernel_size": pair(2, 2), "stride": pair(1, 1)], input: [4, 8, 8], mode: mode),
            "Upsample(scale 2, input [64,20,20])": try make("Upsample", ["scale_factor": .int(2)], input: [64, 20, 20], mode: mode),
            "Upsample(size (80,80) bilinear, input [128,40,40])": try make(
                "Upsample", ["size": pair(80, 80), "mode": .string("bilinear")], input: [128, 40, 40], mode: mode),
        ]
    }

    func testInferredShapesEqualTALONsInCompatibleMode() throws {
        let doc = try IRFixtures.object("talon/cases/ir_shapes.inference_a.json")
        let results = (doc["expected"] as! [String: Any])["results"] as! [String: Any]
        let nodes = try shapeCases(mode: .talon)
        XCTAssertEqual(Set(nodes.keys), Set(results.keys))
        for (label, expected) in results {
            let e = expected as! [String: Any]
            let n = try XCTUnwrap(nodes[label])
            XCTAssertEqual(TalonGraphFile.printed(n.inputType), TalonGraphFile.printed(e["input_type"]), label)
            XCTAssertEqual(TalonGraphFile.printed(n.outputType), TalonGraphFile.printed(e["output_type"]), label)
        }
    }

    func testCelestaInfersConvSpatialShapes() throws {
        let doc = try IRFixtures.object("talon/cases/ir_shapes.inference_a.json")
        let results = (doc["expected"] as! [String: Any])["results"] as! [String: Any]
        let nodes = try shapeCases(mode: .celesta)
        let corrected: [String: [Int]] = [
            "Conv2d(w 4x2x3x3, pad 1, input [2,8,8])": [4, 8, 8],
            "Conv1d(w 4x2x3, stride 2, pad 1, input [2,10])": [4, 5],
        ]
        for (label, expected) in results {
            let n = try XCTUnwrap(nodes[label])
            if let out = corrected[label] {
                XCTAssertEqual(n.outputType?.first, out, label)
            } else {
                XCTAssertEqual(TalonGraphFile.printed(n.outputType), TalonGraphFile.printed((expected as! [String: Any])["output_type"]), label)
            }
        }
    }

    func testConstructorChecksGiveTALONsMessages() throws {
        let doc = try IRFixtures.object("talon/cases/ir_validation.constructors_a.json")
        let results = (doc["expected"] as! [String: Any])["results"] as! [String: Any]
        let w = try f32([2, 3])
        let b = try f32([2])
        let lif = { (r: Int) throws -> IRDict in ["tau": try self.f32([3]), "r": try self.f32([r]), "v_leak": try self.f32([3]), "v_threshold": try self.f32([3])] }
        let calls: [String: () throws -> IRNode] = [
            "SpikingAffine(weight_bits=0)": { try self.make("SpikingAffine", ["weight": w, "bias": b, "weight_bits": .int(0)], mode: .talon) },
            "SpikingAffine(weight_bits=33)": { try self.make("SpikingAffine", ["weight": w, "bias": b, "weight_bits": .int(33)], mode: .talon) },
            "SpikingAffine(accumulator_bits=65)": { try self.make("SpikingAffine", ["weight": w, "bias": b, "accumulator_bits": .int(65)], mode: .talon) },
            "SpikingAffine(weight_bits=24, accumulator_bits=16)": {
                try self.make("SpikingAffine", ["weight": w, "bias": b, "weight_bits": .int(24), "accumulator_bits": .int(16)], mode: .talon)
            },
            "SpikingAffine(spike_mode='foo')": { try self.make("SpikingAffine", ["weight": w, "bias": b, "spike_mode": .string("foo")], mode: .talon) },
            "Affine(1-D weight)": { try self.make("Affine", ["weight": try self.f32([6]), "bias": b], mode: .talon) },
            "Affine(bias mismatch)": { try self.make("Affine", ["weight": w, "bias": try self.f32([3])], mode: .talon) },
            "LIF(shape mismatch)": { try self.make("LIF", try lif(2), mode: .talon) },
            "Conv2d(3-D weight)": { try self.make("Conv2d", ["weight": try self.f32([4, 2, 3]), "bias": try self.f32([4])], mode: .talon) },
        ]
        XCTAssertEqual(Set(calls.keys), Set(results.keys))
        for (label, expected) in results {
            let e = expected as! [String: Any]
            XCTAssertEqual(e["ok"] as? Bool, false)
            XCTAssertThrowsError(try calls[label]!(), label) { error in
                XCTAssertEqual((error as? CelestaError)?.message, e["message"] as? String, label)
                XCTAssertEqual((error as? CelestaError)?.code, .invalidArgument, label)
            }
        }
        // The same calls with valid values succeed.
        XCTAssertNoThrow(try make("LIF", try lif(3), mode: .talon))
        XCTAssertNoThrow(try make("SpikingAffine", ["weight": w, "bias": b, "weight_bits": .int(4), "accumulator_bits": .int(4)], mode: .talon))
    }

    func testUnknownFieldsAndPrimitivesAreRefused() throws {
        XCTAssertThrowsError(try make("Affine", ["weight": try f32([2, 3]), "bias": try f32([2]), "wieght": .int(1)], mode: .celesta)) {
            XCTAssertEqual(($0 as? CelestaError)?.message, "Affine.__init__() got an unexpected keyword argument 'wieght'")
        }
        XCTAssertThrowsError(try make("Affine", ["weight": try f32([2, 3])], mode: .celesta)) {
            XCTAssertEqual(($0 as? CelestaError)?.message, "Affine.__init__() missing required argument: 'bias'")
        }
        XCTAssertThrowsError(try make("Nope", [:], mode: .celesta)) { XCTAssertEqual(($0 as? CelestaError)?.code, .notFound) }
        XCTAssertThrowsError(try make("ReLU", ["features": .string("x")], mode: .celesta)) { XCTAssertEqual(($0 as? CelestaError)?.code, .invalidArgument) }
    }

    func testEveryTALONAndNIRPrimitiveIsRegistered() {
        let talon = ["Input", "Output", "Affine", "SpikingAffine", "Conv1d", "Conv2d", "SConv", "SDConv", "SepConv2d", "MaxPool2d", "AvgPool2d",
                     "Flatten", "Upsample", "LIF", "IF", "ReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "ELU", "PReLU", "BatchNorm1d",
                     "BatchNorm2d", "LayerNorm", "Dropout", "HybridRegion", "Skip", "ChannelSplit", "Concat", "SGhostConv",
                     "SGhostEncoderLite", "GhostBasicBlock1", "GhostBasicBlock2", "SDDetect", "DFLDecode", "Dist2BBox", "NMS"]
        let nir = ["Input", "Output", "Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Scale", "Threshold",
                   "Delay", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF", "NIRGraph"]
        XCTAssertEqual(Set(PrimitiveRegistry.shared.names(in: .talon)), Set(talon))
        XCTAssertEqual(Set(PrimitiveRegistry.shared.names(in: .nir)), Set(nir))
        XCTAssertTrue(PrimitiveRegistry.shared.isA("SConv", "Conv2d"))
        XCTAssertFalse(PrimitiveRegistry.shared.isA("SpikingAffine", "Affine"))
    }

    func testPythonFloatRepr() {
        XCTAssertEqual(PythonFormat.repr(1e-05), "1e-05")
        XCTAssertEqual(PythonFormat.repr(0.1), "0.1")
        XCTAssertEqual(PythonFormat.repr(100), "100.0")
        XCTAssertEqual(PythonFormat.repr(1e16), "1e+16")
        XCTAssertEqual(PythonFormat.repr(-2.5e-7), "-2.5e-07")
        XCTAssertEqual(PythonFormat.repr(123456.789), "123456.789")
        XCTAssertEqual(IRValue.tuple([.int(1), .int(1)]).pythonStr, "(1, 1)")
        XCTAssertEqual(IRValue.tuple([.int(128)]).pythonStr, "(128,)")
        XCTAssertEqual(IRValue.list([.int(1), .int(1)]).pythonStr, "[1, 1]")
    }
}
