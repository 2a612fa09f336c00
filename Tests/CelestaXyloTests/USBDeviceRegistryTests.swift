import CelestaIR
import CelestaXylo
import CelestaHDK
import XCTest

/// Ids registered by call reach every later discovery, ahead of the environment's and the
/// built-in ones.
final class USBDeviceRegistryTests: XCTestCase {
    override func tearDown() {
        USBDeviceRegistry.removeAll()
    }

    func testRegisteredIdsAreFoundByDiscovery() throws {
        let board = USBDeviceDescriptor(vendorID: 0x1234, productID: 0x0042, bus: 1, address: 7)
        let before = HDKDiscovery(backend: FakeUSBBackend(listed: [board]), table: try USBDeviceTable.fromEnvironment())
        XCTAssertTrue(before.physical().isEmpty, "an unknown id is not a dev kit")

        try USBDeviceRegistry.register(vendorID: 0x1234, productID: 0x0042, chip: "xa3")
        let after = HDKDiscovery(backend: FakeUSBBackend(listed: [board]), table: try USBDeviceTable.fromEnvironment())
        XCTAssertEqual(after.physical().map(\.info.chipID), ["syns65302"])

        // The latest registration wins, also over a built-in pair.
        try USBDeviceRegistry.register(vendorID: 0x1234, productID: 0x0042, chip: "syns61201")
        try USBDeviceRegistry.register(vendorID: 0x337D, productID: 0x0C02, chip: "xa2")
        let table = try USBDeviceTable.fromEnvironment()
        XCTAssertEqual(table.chipID(for: board), "syns61201")
        XCTAssertEqual(table.chipID(for: USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C02, bus: 0, address: 0)), "syns61201")
        XCTAssertEqual(USBDeviceRegistry.registered.count, 3)
    }

    func testUnknownChipIsRefusedAndNothingIsRegistered() {
        XCTAssertThrowsError(try USBDeviceRegistry.register(vendorID: 1, productID: 2, chip: "xa9")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .notFound)
            XCTAssertTrue((error as? CelestaError)?.message.contains("xa9") ?? false)
        }
        XCTAssertTrue(USBDeviceRegistry.registered.isEmpty)
    }
}
