"""The queues mode: the queue list, the virtual ticket table over keyset pages, and the filter dialog."""
