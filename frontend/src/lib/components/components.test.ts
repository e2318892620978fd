import { fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { AudioFeatures, Track } from '$lib/api/spotify';
import AudioFeaturesChart from './AudioFeaturesChart.svelte';
import CustomTrackForm from './CustomTrackForm.svelte';
import ErrorState from './ErrorState.svelte';
import TrackTable from './TrackTable.svelte';
import VirtualList from './VirtualList.svelte';
import { ApiError } from '$lib/api/client';

const features: AudioFeatures = {
	id: 'x',
	danceability: 0.5,
	energy: 0.8,
	key: 11,
	loudness: -7.25,
	mode: 0,
	speechiness: 0.05,
	acousticness: 0.1,
	instrumentalness: 0,
	liveness: 0.12,
	valence: 0.3,
	tempo: 121.6,
	duration_ms: 200000,
	time_signature: 4
};

function track(n: number): Track {
	return {
		id: `t${n}`,
		name: `Song ${n}`,
		uri: `spotify:track:t${n}`,
		type: 'track',
		duration_ms: 60_000 * n + 5_000,
		explicit: n === 2,
		track_number: n,
		disc_number: 1,
		popularity: 10,
		artists: [
			{ id: 'a1', name: 'First', uri: 'spotify:artist:a1', type: 'artist' },
			{ id: 'a2', name: 'Second', uri: 'spotify:artist:a2', type: 'artist' }
		],
		album: {
			id: 'al',
			name: 'The Album',
			uri: 'spotify:album:al',
			type: 'album',
			album_type: 'album',
			total_tracks: 2,
			release_date: '2020-01-01',
			release_date_precision: 'day',
			images: [],
			artists: []
		}
	};
}

describe('AudioFeaturesChart', () => {
	it('shows tempo, key and a meter per feature', () => {
		render(AudioFeaturesChart, { features });
		expect(screen.getByText('122 BPM')).toBeInTheDocument();
		expect(screen.getByText('B minor')).toBeInTheDocument();
		const energy = screen.getByRole('meter', { name: 'Energy' });
		expect(energy).toHaveAttribute('aria-valuenow', '80');
		expect(screen.getAllByRole('meter')).toHaveLength(7);
	});
});

describe('TrackTable', () => {
	it('lists tracks with durations, artists as links, and the explicit mark', () => {
		render(TrackTable, { tracks: [track(1), track(2)], label: 'Tracklist', showAlbum: true });
		const table = screen.getByRole('table', { name: 'Tracklist' });
		expect(table).toHaveTextContent('1:05');
		expect(table).toHaveTextContent('2:05');
		expect(screen.getAllByRole('link', { name: 'Second' })[0]).toHaveAttribute('href', '/artists/a2');
		expect(table).toHaveTextContent('First, Second');
		expect(screen.getAllByTitle('Explicit')).toHaveLength(1);
		expect(screen.getAllByRole('link', { name: 'The Album' })).toHaveLength(2);
	});
});

describe('ErrorState', () => {
	it('explains the error and offers a retry', async () => {
		const retry = vi.fn();
		render(ErrorState, { error: new ApiError(429, 'API rate limit exceeded', 3), retry });
		expect(screen.getByRole('alert')).toHaveTextContent('try again in 3 seconds');
		await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
		expect(retry).toHaveBeenCalledOnce();
	});
});

describe('CustomTrackForm', () => {
	it('refuses an unreadable duration and sends seed 000’s body', async () => {
		const onsubmit = vi.fn().mockResolvedValue(undefined);
		render(CustomTrackForm, { submitLabel: 'Create', onsubmit });
		await fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Demo' } });
		await fireEvent.input(screen.getByLabelText('Artist'), { target: { value: 'Band' } });
		await fireEvent.input(screen.getByLabelText('Duration'), { target: { value: 'soon' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Create' }));
		expect(screen.getByRole('alert')).toHaveTextContent('4:11');
		expect(onsubmit).not.toHaveBeenCalled();

		await fireEvent.input(screen.getByLabelText('Duration'), { target: { value: '4M 11S' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Create' }));
		expect(onsubmit).toHaveBeenCalledWith({
			song_name: 'Demo',
			artist: 'Band',
			duration: '4M 11S',
			album: '',
			isrc: undefined
		});
	});
});

describe('VirtualList', () => {
	it('renders only the rows in view of a 10,000-item list', () => {
		const items = Array.from({ length: 10_000 }, (_, i) => `item ${i}`);
		const row = createRawSnippet((item: () => string) => ({
			render: () => `<span class="r">${item()}</span>`
		}));
		const { container } = render(VirtualList<string>, {
			items,
			rowHeight: 50,
			label: 'Items',
			row
		});
		const rendered = container.querySelectorAll('.r');
		expect(rendered.length).toBeGreaterThan(0);
		expect(rendered.length).toBeLessThan(100);
		expect(screen.getByRole('list', { name: 'Items' }).firstElementChild).toHaveStyle({
			height: '500000px'
		});
	});
});
