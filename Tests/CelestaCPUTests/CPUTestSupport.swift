import CelestaCPU
import CelestaIR
import XCTest

/// Small graphs built node by node for the simulator's tests.
struct GraphMaker {
    var graph = try! IRGraph()

    static func t(_ values: [Float], _ shape: [Int]? = nil) -> IRValue { .tensor(try! Tensor(float32: values, shape: shape)) }

    mutating func input(_ name: String, _ shape: [Int]) {
        try! graph.add(try! IRNode.make(name: name, type: "Input", fields: IRDict(), inputType: PortShapes("input", shape)))
    }

    mutating func output(_ name: String, _ shape: [Int], from: String) {
        try! graph.add(try! IRNode.make(name: name, type: "Output", fields: IRDict(), outputType: PortShapes("output", shape)))
        graph.connect(from, name)
    }

    mutating func node(_ name: String, _ type: String, _ fields: IRDict, from: [String], inputType: PortShapes? = nil) {
        try! graph.add(try! IRNode.make(name: name, type: type, fields: fields, inputType: inputType))
        for f in from { graph.connect(f, name) }
    }
}

/// A deterministic stream of floats in [-1, 1).
struct Noise {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 1_000_000 - 1
    }
    mutating func values(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

func simulate(_ g: IRGraph, _ inputs: [String: CPUArray], steps: Int = 1, stepByStep: Bool = false, precision: CPUPrecision = .fp32, threads: Int = 0) throws -> CPUSimulationResult {
    var o = CPUSimulationOptions()
    o.nSteps = steps
    o.stepByStep = stepByStep
    o.precision = precision
    o.threads = threads
    return try CPUSimulator.run(g, inputs: inputs, options: o)
}

func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "lengths", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tol * max(1, abs(y)) {
        XCTFail("value \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}
