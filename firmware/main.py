# Korset wearable: started by MicroPython at boot.
from korsetfw import boot

boot.main()
