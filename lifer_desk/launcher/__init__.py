"""The pre-forked launcher of the service account's desks (issue 16: from `ssh` to the first page within 1.0 s).

Python's start-up and the desk's imports take most of a second of CPU on a small host, more than the whole budget,
and every desk held its own copy of those modules. So one long-lived process per service account and install (the
server) imports everything the desk needs once, freezes it out of the collector's reach, and listens on a Unix
socket in a 0700 directory of the account's. The forced command `lifer-desk --agent NAME` is then a small client
(`client`): it connects, sends its command line, environment and working directory, and its terminal's three file
descriptors, and the server forks a child that adopts them and runs the desk exactly as the command would have.
The children share the server's pages until they write to them.

What crosses the socket (`protocol`): the client's argv, environment and working directory, and file descriptors;
the signals the client receives, forwarded; the child's exit status. No setting is sent, and no token: the child
reads the settings files itself, as the account, as a desk started directly does. Both ends check that the other
is the same uid (SO_PEERCRED), and the socket's directory is the account's alone.

Whenever the launcher cannot be used (`LIFER_LAUNCHER=off`, a socket path too long, a server that does not come
up), the client runs the desk itself, as before.
"""
