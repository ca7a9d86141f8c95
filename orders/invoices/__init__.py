"""Invoices and credit notes: issued in the seller's name when a parcel is paid (card) or delivered (cash on
delivery), numbered without gaps, snapshotted when issued and rendered to PDF from that snapshot only."""
