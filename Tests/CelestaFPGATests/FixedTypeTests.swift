import CelestaIR
import CelestaFPGA
import XCTest

/// ap_fixed store semantics: every quantization and overflow mode.
final class FixedTypeTests: XCTestCase {
    private func t(_ s: String) throws -> FixedType { try FixedType(parsing: s) }
    private func stored(_ s: String, _ x: Double) throws -> Double {
        let ty = try t(s)
        return ty.value(ty.store(x))
    }

    func testParseAndSpelling() throws {
        XCTAssertEqual(try t("ap_fixed<16,6>").description, "ap_fixed<16,6>")
        XCTAssertEqual(try t(" fixed< 16, 6 > ").description, "ap_fixed<16,6>")
        XCTAssertEqual(try t("ap_fixed<10,4,AP_RND,AP_SAT>").description, "ap_fixed<10,4,AP_RND,AP_SAT,0>")
        XCTAssertEqual(try t("ap_fixed<10,3,AP_RND_CONV,AP_SAT,0>").description, "ap_fixed<10,3,AP_RND_CONV,AP_SAT,0>")
        XCTAssertEqual(try t("ap_ufixed<8,0>").description, "ap_ufixed<8,0>")
        XCTAssertEqual(try t("ap_fixed<16,6,AP_TRN,AP_WRAP,0>").description, "ap_fixed<16,6>")
        XCTAssertEqual(try t("ap_uint<1>").description, "ap_uint<1>")
        XCTAssertEqual(try t("int<8>").description, "ap_int<8>")
        XCTAssertEqual(try t("ap_fixed<16,6>").fracBits, 10)
    }

    func testParseErrorsNameTheTypeAndTheProblem() {
        for (bad, why) in [("ap_fixed<16>", "2 to 5"), ("ap_fixed<16,6,AP_FOO>", "AP_FOO"), ("foo<1,2>", "foo"),
                           ("ap_fixed16,6", "no <"), ("ap_fixed<0,0>", "width 0"), ("ap_fixed<16,x>", "'x'"),
                           ("ap_fixed<16,6,AP_TRN,AP_WRAP_SM>", "AP_WRAP_SM"), ("ap_fixed<16,6,AP_TRN,AP_SAT,2>", "saturation bits 2"),
                           ("ap_uint<64>", "width 64"), ("ap_int<1,2>", "one argument")] {
            XCTAssertThrowsError(try FixedType(parsing: bad, what: "layer 'fc1' weight_t")) { e in
                let m = (e as? CelestaError)?.message ?? ""
                XCTAssertTrue(m.contains(bad) && m.contains(why) && m.contains("fc1"), "\(bad): \(m)")
                XCTAssertEqual((e as? CelestaError)?.code, .parse)
            }
        }
    }

    /// The README's examples.
    func testTruncationAndWrapExamples() throws {
        XCTAssertEqual(try stored("ap_fixed<16,6>", 0.00195), 0.0009765625)
        XCTAssertEqual(try stored("ap_fixed<16,6>", -0.0001), -0.0009765625)
        XCTAssertEqual(try stored("ap_fixed<8,3>", 4.5), -3.5)
        XCTAssertEqual(try stored("ap_fixed<8,3>", 5), -3)
        let beta = try t("ap_fixed<16,6>")
        XCTAssertEqual(beta.value(beta.storeFloatConstant(0.9)), 921.0 / 1024)
        XCTAssertEqual(beta.value(beta.storeFloatConstant(1.1)), 1126.0 / 1024)
    }

    /// Ties and near-ties in every quantization mode (ap_fixed<8,4>: LSB 1/16).
    func testQuantizationModes() throws {
        let lsb = 1.0 / 16
        // values in LSBs: 0.5, -0.5, 1.5, 2.5, -1.5, 0.25, -0.75
        let xs = [0.5, -0.5, 1.5, 2.5, -1.5, 0.25, -0.75]
        let want: [String: [Double]] = [
            "AP_TRN": [0, -1, 1, 2, -2, 0, -1],
            "AP_TRN_ZERO": [0, 0, 1, 2, -1, 0, 0],
            "AP_RND": [1, 0, 2, 3, -1, 0, -1],
            "AP_RND_ZERO": [0, 0, 1, 2, -1, 0, -1],
            "AP_RND_MIN_INF": [0, -1, 1, 2, -2, 0, -1],
            "AP_RND_INF": [1, -1, 2, 3, -2, 0, -1],
            "AP_RND_CONV": [0, 0, 2, 2, -2, 0, -1],
        ]
        for (mode, w) in want {
            for (x, m) in zip(xs, w) {
                XCTAssertEqual(try stored("ap_fixed<8,4,\(mode),AP_WRAP>", x * lsb), m * lsb, "\(mode) \(x) LSB")
            }
        }
    }

    func testOverflowModes() throws {
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT>", 5), 127.0 / 32)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT>", -5), -4)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT_ZERO>", 5), 0)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT_ZERO>", -5), 0)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>", -5), -127.0 / 32)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>", -4), -127.0 / 32)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>", 5), 127.0 / 32)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_TRN,AP_SAT>", 3.5), 3.5)
        XCTAssertEqual(try stored("ap_ufixed<8,0,AP_TRN,AP_SAT>", -0.5), 0)
        XCTAssertEqual(try stored("ap_ufixed<8,0,AP_TRN,AP_SAT>", 1.5), 255.0 / 256)
        XCTAssertEqual(try stored("ap_ufixed<8,0>", -0.5), 0.5)
        XCTAssertEqual(try stored("ap_ufixed<8,0>", 1.25), 0.25)
        // rounding first, then overflow: 3.99 rounds up to 4 and saturates
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_RND,AP_SAT>", 3.99), 127.0 / 32)
        XCTAssertEqual(try stored("ap_fixed<8,3,AP_RND,AP_WRAP>", 3.99), -4)
        // far outside: the low bits, or the clamp
        XCTAssertEqual(try stored("ap_fixed<16,6>", 1e30), 0)
        XCTAssertEqual(try stored("ap_fixed<16,6,AP_TRN,AP_SAT>", 1e30), 32767.0 / 1024)
        XCTAssertEqual(try stored("ap_fixed<16,6,AP_TRN,AP_SAT>", -1e300), -32)
        XCTAssertEqual(try stored("ap_fixed<16,6>", 1e-300), 0)
        XCTAssertEqual(try stored("ap_fixed<16,6>", -1e-300), -1.0 / 1024)
        XCTAssertEqual(try stored("ap_fixed<16,6,AP_RND>", -1e-300), 0)
        XCTAssertEqual(try stored("ap_fixed<64,32>", 1.5), 1.5)
    }

    func testIntegerTypes() throws {
        XCTAssertEqual(try stored("ap_int<4>", 7.9), 7)
        XCTAssertEqual(try stored("ap_int<4>", 9), -7)
        XCTAssertEqual(try stored("ap_int<4>", -2.7), -2)
        XCTAssertEqual(try stored("ap_int<4>", -0.3), 1)   // the ap_types quirk
        XCTAssertEqual(try stored("ap_uint<1>", 1), 1)
        XCTAssertEqual(try stored("ap_uint<1>", 2), 0)
        let i = try t("ap_int<8>")
        XCTAssertEqual(i.store(-5, frac: 1), -2)           // -2.5 toward zero
    }

    /// Array elements go through F-digit decimal text.
    func testArrayElementsGoThroughDecimalText() throws {
        let ty = try t("ap_fixed<8,4>")               // F = 4: "%.4f"
        XCTAssertEqual(ty.decimalTextValue(0.0625), 0.0625)
        XCTAssertEqual(ty.decimalTextValue(0.03125), 0.0312)   // 0.03125 -> "0.0312" (ties to even)
        XCTAssertEqual(ty.decimalTextValue(0.1), 0.1)
        XCTAssertEqual(ty.value(ty.storeArrayElement(0.1)), 1.0 / 16)
        XCTAssertEqual(ty.value(ty.storeArrayElement(-0.1)), -2.0 / 16)
        // 0.06249 -> "0.0625" -> exactly one LSB, where direct truncation gives 0
        XCTAssertEqual(ty.value(ty.storeArrayElement(0.06249)), 1.0 / 16)
        XCTAssertEqual(ty.value(ty.store(0.06249)), 0)
    }
}
