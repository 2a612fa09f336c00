// Exported C functions: dev-kit USB ids registered at run time.

import CelestaIR
import CelestaXylo
import CelestaHDK

/// Registers the USB vendor/product id pair `vendor_id:product_id` as a Xylo dev kit carrying
/// `chip` (a chip id or alias, e.g. "syns65302" or "xa3"), for the whole process: every later
/// celesta_xylo_hdk_list() and celesta_xylo_hdk_open() looks it up before the pairs of
/// CELESTA_HDK_USB_IDS and the built-in table (whose ids are unverified assumptions). The
/// latest registration of a pair wins.
///
/// Errors: CELESTA_ERR_NULL_POINTER (chip), CELESTA_ERR_NOT_FOUND (an unknown chip, named).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_hdk_register_usb_id")
public func celesta_xylo_hdk_register_usb_id(_ vendor_id: UInt16, _ product_id: UInt16, _ chip: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let name = try requiredString(chip, "chip")
        try USBDeviceRegistry.register(vendorID: vendor_id, productID: product_id, chip: name)
    }
}
