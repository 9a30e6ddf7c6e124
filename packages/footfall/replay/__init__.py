"""Host replay of the firmware's counting core on recorded pedestrians.

The C core in `firmware/lib/footfall_core` is built as a shared library and
driven through ctypes, so the replay counts with exactly the device's code.
The command line entry point is `footfall.replay.command.replay`; this
package file imports nothing, so the standard-library readers (`sources`,
`truth`) load without the service's dependencies.
"""

__all__: list[str] = []
