import CelestaFPGA
import Foundation
import XCTest

/// The kernels' `celesta::from_double` (C simulation: a double's fixed-point bits computed with
/// integer arithmetic, one function for every type) against ap_types' own double constructor,
/// for every quantization and overflow mode (signed and unsigned, widths 1 to 62, F negative,
/// zero and beyond W) and the types it leaves to the constructor (64 bits, N > 0): ~80000
/// doubles each (random, exact ties at the LSB, a quarter LSB off, tiny, huge, +-0).
/// Compiling 60 types' constructors costs g++ 30-45 s of CPU, so this runs with
/// CELESTA_HLS_ALL_CASES=1 (as the every-case test does); `make test` covers from_double through
/// the differential tests (one program with it, one with the constructor, both against the
/// Swift simulator).
final class FromDoubleTests: XCTestCase {
    func testFromDoubleEqualsAPTypesConstructorInEveryMode() throws {
        guard ProcessInfo.processInfo.environment["CELESTA_HLS_ALL_CASES"] == "1" else {
            throw XCTSkip("set CELESTA_HLS_ALL_CASES=1 to compare from_double with ap_types' constructor (~10 s of g++)")
        }
        let cxx: String, ap: String
        do {
            cxx = try HLSToolchain.findCompiler()
            ap = try HLSToolchain.findAPTypes()
        } catch {
            throw XCTSkip("no C++ toolchain: \(error)")
        }
        let scratch = NSTemporaryDirectory() + "celesta-fromdouble-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // any project: its firmware/celesta/celesta_snn.h is the kernels' header
        let c = try HLSCase(file: "S07_lif_8-16-2_sub_binary_logit_spike_w10.json")
        try HLSProject.write(try c.model(), to: "\(scratch)/p")
        var types: [String] = []
        let widths = [1, 2, 5, 8, 13, 16, 24, 32, 40, 53, 62]
        var k = 0
        for q in FixedType.Quantization.allCases {
            for o in FixedType.Overflow.allCases {
                var w = widths[k % widths.count]
                if w == 1 && o == .satSym { w = 3 }
                let i = [-4, 0, 3, w, w + 5][k % 5]
                types.append("ap_fixed<\(w),\(i),\(q.rawValue),\(o.rawValue),0>")
                let wu = [1, 3, 8, 16, 31, 62][k % 6]
                types.append("ap_ufixed<\(wu),\([-3, 0, 2, wu, wu + 4][(k + 2) % 5]),\(q.rawValue),\(o.rawValue),0>")
                k += 1
            }
        }
        types += ["ap_fixed<16,6>", "ap_ufixed<8,0>", "ap_fixed<64,10>", "ap_fixed<8,3,AP_RND,AP_WRAP,1>"]
        var text = """
        #include <cmath>
        #include <cstdio>
        #include "ap_fixed.h"
        #include "celesta/celesta_snn.h"
        static double vals[100000];
        static int nv = 0, bad = 0;
        template <class T> void check(const char *name) {
            for (int k = 0; k < nv; k++) {
                const T a(vals[k]);
                const T b = celesta::from_double<T>(vals[k]);
                if (a.range() != b.range() && bad++ < 20)
                    std::printf("%s %.17g: ap_types %s, from_double %s\\n", name, vals[k], a.to_string(16).c_str(), b.to_string(16).c_str());
            }
        }
        int main() {
            unsigned long long st = 12345;
            for (int k = 0; k < 20000; k++) {
                st ^= st << 13; st ^= st >> 7; st ^= st << 17;
                const double m = (double)(long long)(st >> 11) / (double)(1ULL << 52) - 1.0;
                st ^= st << 13; st ^= st >> 7; st ^= st << 17;
                vals[nv++] = std::ldexp(m, (int)(st % 90) - 60);
                st ^= st << 13; st ^= st >> 7; st ^= st << 17;
                const double n = (double)((long long)(st % 4001) - 2000);
                const int f = (int)((st >> 20) % 30) - 8;
                vals[nv++] = std::ldexp(n + 0.5, -f);
                vals[nv++] = std::ldexp(n, -f);
                vals[nv++] = std::ldexp(n + 0.25, -f);
            }
            const double special[] = {1e300, -1e300, 1e-300, -1e-300, 4.9e-324, -4.9e-324, 0.0, -0.0, 1e19, -1e19, 0.5, -0.5};
            for (unsigned k = 0; k < sizeof special / sizeof special[0]; k++) vals[nv++] = special[k];

        """
        for t in types { text += "    check<\(t) >(\"\(t)\");\n" }
        text += "    std::printf(\"%d mismatches\\n\", bad);\n    return bad != 0;\n}\n"
        try text.write(toFile: "\(scratch)/check.cpp", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd '\(scratch)' && '\(cxx)' -std=c++17 -O0 -I'\(ap)' -Ip/firmware check.cpp -o check 2>&1 && ./check"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("0 mismatches"), out)
    }
}
