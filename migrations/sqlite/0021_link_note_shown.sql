-- A link's note is shown to its holder on the PIN page for links made from now on; notes
-- of older links were written for the owner alone and stay so.
ALTER TABLE links ADD COLUMN note_shown INTEGER NOT NULL DEFAULT 0;
