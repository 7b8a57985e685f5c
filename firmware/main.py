# Korset wearable: started by MicroPython at boot.
import korsetfw
from korsetfw import boot

parts = boot.parts()
# Boot's code runs once: dropped before the App's modules are imported, so that its
# bytecode goes back to the heap first (korsetfw.assemble says why).
del boot
korsetfw.forget("boot")
from korsetfw import assemble  # noqa: E402 (after boot is gone, on purpose)

app = assemble.app(*parts)
del assemble, parts
korsetfw.forget("assemble")
app.run()
