# Korset wearable: started by MicroPython at boot.
import korsetfw
from korsetfw import boot

app = boot.build()
# Boot's code runs once: dropped before the loop, so that its bytecode goes back to the heap.
del boot
korsetfw.forget("boot")
app.run()
