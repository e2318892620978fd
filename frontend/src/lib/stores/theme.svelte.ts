/** Light, dark, or the system's choice; applied as <html data-theme>. */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'playdeck.theme';

function load(): ThemeChoice {
	try {
		const v = localStorage.getItem(KEY);
		return v === 'light' || v === 'dark' ? v : 'system';
	} catch {
		return 'system';
	}
}

class Theme {
	choice = $state<ThemeChoice>(load());

	set(choice: ThemeChoice): void {
		this.choice = choice;
		try {
			if (choice === 'system') localStorage.removeItem(KEY);
			else localStorage.setItem(KEY, choice);
		} catch {
			// ignore
		}
		if (choice === 'system') delete document.documentElement.dataset.theme;
		else document.documentElement.dataset.theme = choice;
	}

	/** The theme in effect now. */
	get effective(): 'light' | 'dark' {
		if (this.choice !== 'system') return this.choice;
		return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
	}

	toggle(): void {
		this.set(this.effective === 'dark' ? 'light' : 'dark');
	}
}

export const theme = new Theme();
