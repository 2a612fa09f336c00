import CelestaIR
import CelestaXylo
import CelestaHDK
import XCTest

final class StatusAndSupportTests: XCTestCase {
    /// The codes are ABI: this list must never change except by appending.
    func testStatusCodesAreFixed() {
        let expected: [(StatusCode, Int32, String)] = [
            (.ok, 0, "CELESTA_OK"),
            (.nullPointer, -1, "CELESTA_ERR_NULL_POINTER"),
            (.invalidArgument, -2, "CELESTA_ERR_INVALID_ARGUMENT"),
            (.notFound, -3, "CELESTA_ERR_NOT_FOUND"),
            (.bufferTooSmall, -4, "CELESTA_ERR_BUFFER_TOO_SMALL"),
            (.outOfRange, -5, "CELESTA_ERR_OUT_OF_RANGE"),
            (.shapeMismatch, -6, "CELESTA_ERR_SHAPE_MISMATCH"),
            (.limitExceeded, -7, "CELESTA_ERR_LIMIT_EXCEEDED"),
            (.unsupported, -8, "CELESTA_ERR_UNSUPPORTED"),
            (.invalidConfig, -9, "CELESTA_ERR_INVALID_CONFIG"),
            (.io, -10, "CELESTA_ERR_IO"),
            (.parse, -11, "CELESTA_ERR_PARSE"),
            (.device, -12, "CELESTA_ERR_DEVICE"),
            (.timeout, -13, "CELESTA_ERR_TIMEOUT"),
            (.cancelled, -14, "CELESTA_ERR_CANCELLED"),
            (.outOfMemory, -15, "CELESTA_ERR_OUT_OF_MEMORY"),
            (.invalidState, -16, "CELESTA_ERR_INVALID_STATE"),
            (.internalError, -17, "CELESTA_ERR_INTERNAL_ERROR"),
        ]
        XCTAssertEqual(StatusCode.allCases.count, expected.count)
        for (code, raw, name) in expected {
            XCTAssertEqual(code.rawValue, raw)
            XCTAssertEqual(code.name, name)
            XCTAssertEqual(code.exitStatus, -raw)
            XCTAssertEqual(StatusCode(code: raw), code)
        }
        XCTAssertNil(StatusCode(code: 1))
    }

    func testErrorDescriptionCarriesNameAndMessage() {
        let e = CelestaError(.outOfRange, "field 'dash_mem[3]' is 16, above 15")
        XCTAssertEqual(e.description, "CELESTA_ERR_OUT_OF_RANGE: field 'dash_mem[3]' is 16, above 15")
    }

    func testJSONQuoting() {
        XCTAssertEqual(JSONText.quote("a\"b\\c\nd\t\u{1}é"), "\"a\\\"b\\\\c\\nd\\t\\u0001é\"")
        XCTAssertEqual(JSONText.object([]), "{}")
        XCTAssertEqual(JSONText.array([]), "[]")
        XCTAssertEqual(JSONText.object([("k", "1")]), "{\n  \"k\": 1\n}")
        XCTAssertEqual(ChipFieldValue.list(["a", "b"]).json, "[\"a\", \"b\"]")
        XCTAssertEqual(ChipFieldValue.list(["a", "b"]).text, "a,b")
    }

    func testVersionString() {
        XCTAssertEqual(
            CelestaVersion.string, "\(CelestaVersion.major).\(CelestaVersion.minor).\(CelestaVersion.patch)")
    }

    func testLinkedLibrariesReportTheirVersions() {
        XCTAssertEqual(LibUSB.version.major, 1, "libusb-1.0")
        XCTAssertGreaterThanOrEqual(HDF5Library.version.major, 1)
        XCTAssertTrue(BuildInfo.summary.hasPrefix("celesta \(CelestaVersion.string) (libusb 1."))
        XCTAssertTrue(BuildInfo.summary.contains("hdf5 \(HDF5Library.versionString)"))
    }
}
