import CelestaIR
import Foundation
import XCTest

/// Port-shape arithmetic on hostile sizes (fields and shapes read from a file): no trap, and a
/// port of more than 2^40 elements is refused with the node, the port and the shape.
final class IRHostileShapeTests: XCTestCase {
    func f32(_ shape: [Int]) throws -> IRValue {
        .tensor(try Tensor(float32: [Float](repeating: 0.5, count: shape.reduce(1, *)), shape: shape))
    }

    func testWindowArithmeticThatOverflowsGivesNoWindow() {
        XCTAssertEqual(ShapeRules.windowed(10, kernel: 3, stride: 2, padding: 1), 5)   // PyTorch's
        XCTAssertEqual(ShapeRules.windowed(10, kernel: 3, stride: 2, padding: 1, ceil: true), 6)
        XCTAssertEqual(ShapeRules.windowed(5, kernel: 2, stride: 2, padding: 1, ceil: true), 3)
        XCTAssertEqual(ShapeRules.windowed(Int.max, kernel: 1, stride: 1, padding: Int.max / 2), 0)
        XCTAssertEqual(ShapeRules.windowed(8, kernel: Int.min, stride: 1, padding: 0), 0)
        XCTAssertEqual(ShapeRules.windowed(8, kernel: 3, stride: 1, padding: 0, dilation: Int.max), 0)
        XCTAssertEqual(ShapeRules.windowed(8, kernel: Int.min + 1, stride: 1, padding: 0), 0)   // d(k-1) = Int.min
        XCTAssertEqual(ShapeRules.windowed(8, kernel: Int.min + 2, stride: 1, padding: 0, dilation: -1), 0)
        XCTAssertEqual(ShapeRules.windowed(Int.max - 1, kernel: 1, stride: 1, padding: 0, ceil: true), Int.max - 1)
        XCTAssertEqual(ShapeRules.windowed(Int.max, kernel: 1, stride: 1, padding: 0), Int.max)
        XCTAssertNil(ShapeRules.times(Int.max, 2))
        XCTAssertNil(ShapeRules.plus(Int.max, 1))
        XCTAssertEqual(ShapeRules.times(4, 3), 12)
        XCTAssertNil(ShapeRules.scaled(8, by: .nan))
        XCTAssertNil(ShapeRules.scaled(8, by: .infinity))
        XCTAssertNil(ShapeRules.scaled(8, by: -1))
        XCTAssertNil(ShapeRules.scaled(1 << 60, by: 1e10))
        XCTAssertEqual(ShapeRules.scaled(7, by: 1.5), 10)
    }

    func testHostileConvFieldsDoNotTrap() throws {
        // groups times the weight's input channels overflows: the ports are not inferred.
        let conv = try IRNode.make(name: "c", type: "Conv1d", fields: ["weight": try f32([4, 2, 3]), "bias": try f32([4]), "groups": .int(Int.max)])
        XCTAssertNil(conv.inputType)
        // a padding that overflows the window arithmetic: no window
        let padded = try IRNode.make(name: "c", type: "Conv1d", fields: ["weight": try f32([4, 2, 3]), "bias": try f32([4]), "padding": .int(Int.max)],
                                     inputType: PortShapes("input", [2, 10]))
        XCTAssertEqual(padded.outputType?.first, [4, 0])
        // a zero-element weight with a huge dimension: refused (its bias cannot match), no trap
        let empty = try Tensor(float32: [], shape: [1 << 62, 0, 3])
        XCTAssertThrowsError(try IRNode.make(name: "c", type: "Conv1d", fields: ["weight": .tensor(empty), "bias": .tensor(try Tensor(float32: [], shape: [0])), "groups": .int(8)]))
        // Upsample by a factor that is not finite: no output shape
        let up = try IRNode.make(name: "u", type: "Upsample", fields: ["mode": .string("nearest"), "scale_factor": .float(.infinity)],
                                 inputType: PortShapes("input", [2, 4, 4]))
        XCTAssertNil(up.outputType)
    }

    func testPortsOfMoreThan2To40ElementsAreRefused() throws {
        XCTAssertThrowsError(try IRNode.make(name: "big", type: "LIF", fields: ["tau": try f32([2]), "r": try f32([2]), "v_leak": try f32([2]), "v_threshold": try f32([2])],
                                             inputType: PortShapes("input", [1 << 21, 1 << 20]))) { error in
            let e = error as? CelestaError
            XCTAssertEqual(e?.code, .limitExceeded, "\(error)")
            XCTAssertTrue(e?.message.contains("LIF node 'big': input port 'input' has shape (2097152, 1048576)") ?? false, "\(error)")
        }
        // an inferred output over the limit (a conv over a hostile input_shape)
        XCTAssertThrowsError(try IRNode.make(name: "c", type: "Conv2d", fields: ["weight": try f32([4, 2, 1, 1]), "bias": try f32([4])],
                                             inputType: PortShapes("input", [2, 1 << 30, 1 << 30]))) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .limitExceeded, "\(error)")
        }
        // the limit itself is fine, and zero dimensions do not count
        XCTAssertNoThrow(try IRNode.make(name: "ok", type: "LIF", fields: ["tau": try f32([2]), "r": try f32([2]), "v_leak": try f32([2]), "v_threshold": try f32([2])],
                                         inputType: PortShapes("input", [0, 1 << 40])))
    }

    /// Found by a coverage-guided `nir` campaign (ASan library, 391,224 executions): a Conv1d
    /// whose groups times its weight's input channels overflowed (a trap in the port inference).
    func testFuzzReproducerReadsOrFailsCleanly() throws {
        let url = IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/nir/regression-conv-groups-overflow.nir")
        let bytes = [UInt8](try Data(contentsOf: url))
        do {
            _ = try IRFiles.read(bytes: bytes, name: "x.nir", format: .nir)
        } catch {
            XCTAssertTrue((error as? CelestaError)?.message.contains("x.nir") ?? false, "\(error)")
        }
    }
}
