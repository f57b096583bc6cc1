"""The inbound e-mail channel's reading of mail: charsets (charsets.py), header fields and addresses
(headers.py), HTML to text (html.py), the message as the ticket desk needs it (parse.py) and whether its sender
can be believed (auth.py). Plain Python: no AWS, no ticket storage."""
