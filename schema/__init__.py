"""What the data is, for every side alike: the platform export's tables (`tables`), the
one definition of each time quantity and calendar step (`timing`), and a district's local
practice with its defaults (`settings`). Imports nothing of the loader, the data layer,
the metrics, the models or the pages."""
